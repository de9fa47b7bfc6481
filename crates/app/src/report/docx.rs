//! Word building blocks shared by the reports: every run in 宋体 (the East Asian font, so WPS and
//! Word show the Chinese alike), tables 9000 twips wide.

use docx_rs::{AlignmentType, Docx, Paragraph, Run, RunFonts, Table, WidthType};

/// The table parts a report lays out its rows with.
pub use docx_rs::{TableCell, TableRow, VMergeType};

/// The fonts of every run.
pub fn font() -> RunFonts {
    RunFonts::new().east_asia("宋体").ascii("Times New Roman").hi_ansi("Times New Roman")
}

/// A run of body text.
pub fn text(s: &str) -> Run {
    Run::new().add_text(s).fonts(font()).size(21)
}

/// A paragraph of body text.
pub fn para(s: &str) -> Paragraph {
    Paragraph::new().add_run(text(s))
}

/// A section heading.
pub fn heading(s: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(s).fonts(font()).size(24).bold())
}

/// A table cell.
pub fn cell(s: &str) -> TableCell {
    TableCell::new().add_paragraph(para(s))
}

/// A table cell in bold.
pub fn head_cell(s: &str) -> TableCell {
    TableCell::new().add_paragraph(Paragraph::new().add_run(text(s).bold()))
}

/// A table of the page's width.
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
