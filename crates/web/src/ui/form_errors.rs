//! Why a form was refused, in the page's words: `字段：原因；…` for invalid input (each field by
//! its Chinese name), the reason of a conflict, and what to say when the record changed since the
//! form was read. Other errors are not the form's to show and become error pages.

use yunwei_app::AppError;

/// How a page words the refusals of its forms.
#[derive(Debug, Clone, Copy)]
pub struct FormErrors {
    /// The Chinese name of a field (as the error names it, e.g. `ips[2]`).
    label: fn(&str) -> String,
    /// What to say when the record was changed by someone else (else an error page).
    stale: Option<&'static str>,
    /// Whether a "not found" (a thing the form named) is said on the form.
    not_found: bool,
}

/// Field codes shown as they are (forms whose errors already read well).
pub fn field_code(f: &str) -> String {
    f.to_owned()
}

impl FormErrors {
    /// Fields named by `label`; a stale record or a missing thing is an error page.
    pub const fn new(label: fn(&str) -> String) -> Self {
        Self { label, stale: None, not_found: false }
    }

    /// Says `msg` when the record changed since the form was read.
    pub const fn stale(self, msg: &'static str) -> Self {
        Self { stale: Some(msg), ..self }
    }

    /// Says the reason of a "not found" on the form instead of an error page.
    pub const fn not_found_on_form(self) -> Self {
        Self { not_found: true, ..self }
    }

    /// The words for `e`, or `e` back when it is not the form's to show.
    pub fn reasons(&self, e: AppError) -> Result<String, AppError> {
        match e {
            AppError::Invalid(v) => Ok(v
                .0
                .iter()
                .map(|e| format!("{}：{}", (self.label)(&e.field), e.reason))
                .collect::<Vec<_>>()
                .join("；")),
            AppError::Conflict { reason, .. } => Ok(reason),
            AppError::Stale { current } => match self.stale {
                Some(msg) => Ok(msg.to_owned()),
                None => Err(AppError::Stale { current }),
            },
            AppError::NotFound(reason) if self.not_found => Ok(reason),
            other => Err(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use yunwei_domain::ValidationErrors;

    use super::*;

    fn label(f: &str) -> String {
        match f {
            "name" => "名称".into(),
            other => other.into(),
        }
    }

    #[test]
    fn invalid_input_names_each_field_in_chinese() {
        let mut v = ValidationErrors::default();
        v.push("name", "不能为空");
        v.push("url", "须为 http:// 开头");
        let said = FormErrors::new(label).reasons(AppError::Invalid(v));
        assert_eq!(said.ok().as_deref(), Some("名称：不能为空；url：须为 http:// 开头"));
    }

    #[test]
    fn a_stale_record_is_said_only_where_the_page_words_it() {
        let stale = || AppError::Stale { current: 2 };
        assert!(FormErrors::new(label).reasons(stale()).is_err());
        let said = FormErrors::new(label).stale("已被他人更新").reasons(stale());
        assert_eq!(said.ok().as_deref(), Some("已被他人更新"));
        let missing = || AppError::NotFound("没有这一天".into());
        assert!(FormErrors::new(label).reasons(missing()).is_err());
        assert_eq!(FormErrors::new(label).not_found_on_form().reasons(missing()).ok().as_deref(), Some("没有这一天"));
    }
}
