//! Word documents as downloads; the building blocks are `yunwei_app::report::docx`.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use yunwei_app::AppError;

use crate::http::files::attachment_disposition;
use crate::ui::page::app_error_page;

/// A Word document as a download named `{number}-{title}.docx` (ASCII fallback `{number}.docx`).
pub fn docx_download(built: Result<Vec<u8>, String>, number: &str, title: &str) -> Response {
    match built {
        Ok(bytes) => {
            let name = format!("{number}-{title}.docx");
            let disposition = attachment_disposition(&format!("{number}.docx"), &name);
            (
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.document".to_owned(),
                    ),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                bytes,
            )
                .into_response()
        }
        Err(e) => app_error_page(AppError::Internal(format!("docx: {e}"))),
    }
}

/// The Word building blocks the reports share (`yunwei_app::report::docx`).
pub use yunwei_app::report::docx as word;
