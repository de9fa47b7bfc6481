//! Word documents: the building blocks the reports share and the download.

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

/// Word building blocks shared by the reports: every run in 宋体 (the East Asian font, so WPS
/// and Word show the Chinese alike), tables 9000 twips wide.
pub mod word {
    use docx_rs::{AlignmentType, Docx, Paragraph, Run, RunFonts, Table, TableCell, TableRow, WidthType};

    pub fn font() -> RunFonts {
        RunFonts::new().east_asia("宋体").ascii("Times New Roman").hi_ansi("Times New Roman")
    }

    pub fn text(s: &str) -> Run {
        Run::new().add_text(s).fonts(font()).size(21)
    }

    pub fn para(s: &str) -> Paragraph {
        Paragraph::new().add_run(text(s))
    }

    pub fn heading(s: &str) -> Paragraph {
        Paragraph::new().add_run(Run::new().add_text(s).fonts(font()).size(24).bold())
    }

    pub fn cell(s: &str) -> TableCell {
        TableCell::new().add_paragraph(para(s))
    }

    pub fn head_cell(s: &str) -> TableCell {
        TableCell::new().add_paragraph(Paragraph::new().add_run(text(s).bold()))
    }

    pub fn table(rows: Vec<TableRow>) -> Table {
        Table::new(rows).width(9000, WidthType::Dxa)
    }

    /// A document opening with the report's title, `sub` centred under it, and the parties.
    pub fn document(title: &str, sub: &str, hospital: &str, vendor: &str) -> Docx {
        Docx::new()
            .default_fonts(font())
            .add_paragraph(
                Paragraph::new()
                    .add_run(Run::new().add_text(title).fonts(font()).size(36).bold())
                    .align(AlignmentType::Center),
            )
            .add_paragraph(para(sub).align(AlignmentType::Center))
            .add_paragraph(para(&format!("医院：{hospital}　　维保服务商：{vendor}")))
    }

    /// The finished file.
    pub fn pack(doc: Docx) -> Result<Vec<u8>, String> {
        let mut buf = std::io::Cursor::new(Vec::new());
        doc.build().pack(&mut buf).map_err(|e| e.to_string())?;
        Ok(buf.into_inner())
    }
}
