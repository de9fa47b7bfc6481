//! Spreadsheet files as rows of strings (issue 5 item 5): reading an uploaded XLSX or CSV
//! (UTF-8, with or without BOM, or GBK as older Excel/WPS save it on Chinese Windows) and writing
//! XLSX and CSV that Excel and WPS open with Chinese intact. What the rows mean is the domain's
//! (`yunwei_domain::cmdb::parse_sheet`); this module only moves cells in and out of files.
//!
//! Row `i` of what [`read_table`] returns is spreadsheet row `i + 1`: blank rows are kept as
//! empty rows, so the row numbers of import errors are the ones the user sees.

use std::io::Cursor;
use std::path::Path;

use calamine::{DataRef, Reader, Xlsx};
use encoding_rs::{DecoderResult, GBK};
use rust_xlsxwriter::{Color, Format, Workbook};

#[cfg(test)]
mod tests;

/// Excel's limit on the characters in one cell.
const CELL_MAX: usize = 32_767;

/// Largest file read, in bytes (what the import endpoint accepts).
pub const MAX_FILE_BYTES: usize = 20 * 1024 * 1024;
/// Most bytes the parts of an XLSX may unpack to, as their sizes are declared (the unpacker
/// refuses a part that unpacks to more than it declares), so a zip bomb is refused unread.
pub const MAX_UNPACKED_BYTES: u64 = 200 * 1024 * 1024;
/// Most rows a table may have (blank rows counted, as they keep row numbers).
pub const MAX_ROWS: usize = 100_000;
/// Most columns a row may have.
pub const MAX_COLUMNS: usize = 1_000;
/// Most cells all rows may hold together, empty cells before a filled one counted: a cell far
/// down and to the right makes every row before it and the row itself that long.
pub const MAX_CELLS: usize = 2_000_000;
/// Column widths, in Excel's units (about one Latin letter; a Chinese character takes two).
const WIDTH_MIN: usize = 8;
const WIDTH_MAX: usize = 50;

/// A file that cannot be read or written. The messages are Chinese, for the CLI and the UI alike.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    /// Neither `.xlsx` nor `.csv`.
    #[error("不支持的文件类型：“{name}”；只接受 .xlsx 和 .csv 文件（旧版 .xls 请在 Excel/WPS 中另存为 .xlsx）")]
    UnsupportedFormat {
        /// The file name given.
        name: String,
    },
    /// A CSV that is neither UTF-8 nor GBK; `byte` is 1-based.
    #[error(
        "CSV 文件编码无法识别：既不是 UTF-8 也不是 GBK（第 {line} 行，第 {byte} 个字节）；请另存为“CSV UTF-8”或 xlsx 后再导入"
    )]
    Encoding {
        /// Line of the first byte that fits neither encoding.
        line: usize,
        /// Its position in the file, counting from 1.
        byte: usize,
    },
    /// A CSV saved as UTF-16 ("Unicode text").
    #[error("CSV 文件是 UTF-16 编码，请在 Excel/WPS 中另存为“CSV UTF-8”或 xlsx 后再导入")]
    Utf16,
    /// A CSV that does not parse.
    #[error("CSV 第 {line} 行无法解析：{reason}")]
    Csv {
        /// Line number.
        line: u64,
        /// Why.
        reason: String,
    },
    /// An XLSX that does not open.
    #[error("无法读取 xlsx 文件，文件可能已损坏或不是 Excel 2007 及以上版本的格式：{reason}")]
    Xlsx {
        /// Why (the reader's own words).
        reason: String,
    },
    /// A file or table larger than this reader takes (`what` says which limit).
    #[error("文件过大，无法导入：{what}；请分成几个文件分别导入")]
    TooLarge {
        /// Which limit, in Chinese.
        what: String,
    },
    /// An XLSX without worksheets.
    #[error("xlsx 文件中没有工作表")]
    NoWorksheet,
    /// A cell too long for Excel, on writing.
    #[error("工作表“{sheet}”第 {row} 行 {column} 列的内容超过 Excel 单元格上限（{CELL_MAX} 个字符）")]
    CellTooLong {
        /// Sheet name.
        sheet: String,
        /// Row number, from 1.
        row: usize,
        /// Column letter.
        column: String,
    },
    /// Anything else that stops an XLSX being written (a sheet name Excel refuses …).
    #[error("无法生成 xlsx 文件：{reason}")]
    Write {
        /// Why (the writer's own words).
        reason: String,
    },
}

/// The rows of an uploaded file, the format chosen by the extension of `name` (`.xlsx` or `.csv`,
/// any case). XLSX: the first worksheet, numbers without a trailing `.0` when whole, date cells as
/// `YYYY-MM-DD` (`YYYY-MM-DD HH:MM:SS` with a time), booleans as `true`/`false`, formulas as their
/// last computed value. CSV: UTF-8 (BOM optional), else GBK.
pub fn read_table(name: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>, TableError> {
    let ext = Path::new(name).extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    if bytes.len() > MAX_FILE_BYTES {
        return Err(TableError::TooLarge { what: format!("文件超过 {} MB", MAX_FILE_BYTES >> 20) });
    }
    match ext.as_deref() {
        Some("xlsx") => read_xlsx(bytes),
        Some("csv") => read_csv(bytes),
        _ => Err(TableError::UnsupportedFormat { name: name.to_string() }),
    }
}

/// Counts what a table holds against [`MAX_ROWS`], [`MAX_COLUMNS`] and [`MAX_CELLS`].
#[derive(Default)]
struct Size {
    cells: usize,
}

impl Size {
    /// Counts `new` more cells (or rows) up to the cell at (`r`, `c`) (0-based), or says which
    /// limit that breaks.
    fn add(&mut self, r: usize, c: usize, new: usize) -> Result<(), TableError> {
        let too_large = |what: String| Err(TableError::TooLarge { what });
        if r >= MAX_ROWS {
            return too_large(format!("超过 {MAX_ROWS} 行"));
        }
        if c >= MAX_COLUMNS {
            return too_large(format!("第 {} 行超过 {MAX_COLUMNS} 列", r + 1));
        }
        self.cells += new;
        if self.cells > MAX_CELLS {
            return too_large(format!("单元格超过 {MAX_CELLS} 个"));
        }
        Ok(())
    }

    /// Makes room for the cell at (`r`, `c`), counting the empty rows and cells that come with it.
    fn grow(&mut self, rows: &mut Vec<Vec<String>>, r: usize, c: usize) -> Result<(), TableError> {
        let new_rows = (r + 1).saturating_sub(rows.len());
        let new_cells = (c + 1).saturating_sub(rows.get(r).map_or(0, Vec::len));
        self.add(r, c, new_rows + new_cells)?;
        if new_rows > 0 {
            rows.resize_with(r + 1, Vec::new);
        }
        if new_cells > 0 {
            rows[r].resize_with(c + 1, String::new);
        }
        Ok(())
    }
}

/// Refuses an XLSX whose parts declare more than [`MAX_UNPACKED_BYTES`] together, before any
/// is unpacked. (An unreadable archive is left for calamine to describe.)
fn check_unpacked_size(bytes: &[u8]) -> Result<(), TableError> {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else { return Ok(()) };
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let size = zip.by_index_raw(i).map_or(0, |f| f.size());
        total = total.saturating_add(size);
        if total > MAX_UNPACKED_BYTES {
            return Err(TableError::TooLarge {
                what: format!("xlsx 解压后超过 {} MB（可能是压缩炸弹）", MAX_UNPACKED_BYTES >> 20),
            });
        }
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, TableError> {
    check_unpacked_size(bytes)?;
    // calamine 0.38 multiplies without checking when it reads a cell reference: a row number past
    // u32 (`r="A11111111112"`, found by the parser fuzzing) panics in a build with overflow
    // checks and wraps in one without. A file that makes the reader panic is one it cannot read.
    std::panic::catch_unwind(|| read_xlsx_cells(bytes)).unwrap_or_else(|_| {
        Err(TableError::Xlsx { reason: "工作表中有无法识别的单元格引用".to_string() })
    })
}

fn read_xlsx_cells(bytes: &[u8]) -> Result<Vec<Vec<String>>, TableError> {
    let xlsx_err = |e: calamine::XlsxError| TableError::Xlsx { reason: e.to_string() };
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(xlsx_err)?;
    let first = book.sheet_names().into_iter().next().ok_or(TableError::NoWorksheet)?;
    // Cell by cell rather than as a `Range`: a range is allocated as its bounding box, which one
    // stray cell at XFD1048576 would make billions of cells large.
    let mut cells = book.worksheet_cells_reader(&first).map_err(xlsx_err)?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut size = Size::default();
    loop {
        let cell = cells.next_cell().map_err(|e| TableError::Xlsx {
            reason: format!("读到第 {} 行附近时出错：{e}", rows.len().max(1)),
        })?;
        let Some(cell) = cell else { break };
        let text = cell_text(cell.get_value());
        if text.is_empty() {
            continue;
        }
        let (r, c) = cell.get_position();
        let (r, c) = (r as usize, c as usize);
        size.grow(&mut rows, r, c)?;
        rows[r][c] = text;
    }
    Ok(rows)
}

fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) if d.is_datetime() => match d.as_datetime() {
            Some(dt) if dt.time() == chrono::NaiveTime::MIN => dt.format("%Y-%m-%d").to_string(),
            Some(dt) => dt.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => number_text(d.as_f64()),
        },
        DataRef::DateTime(d) => number_text(d.as_f64()),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => e.to_string(),
    }
}

/// A number as a person would type it: `42`, not `42.0`; `3.5`; never an exponent.
fn number_text(f: f64) -> String {
    // Whole numbers below 2^53 are exact in an f64, so the cast loses nothing.
    if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 {
        return (f as i64).to_string();
    }
    f.to_string()
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, TableError> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(TableError::Csv {
            line: 1, reason: "文件内容是 xlsx 格式，请把扩展名改为 .xlsx".to_string()
        });
    }
    parse_csv(&decode(bytes)?)
}

/// RFC 4180 as Excel and WPS write it: `,` between fields, `"` around a field holding a comma,
/// quote or line break (`""` for a quote inside), CRLF, LF or CR line ends. Unlike the `csv`
/// crate, which skips blank lines, a blank line is kept as an empty row so that row numbers stay
/// those of the spreadsheet.
fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, TableError> {
    let mut rows = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut line: u64 = 1;
    // Line where the open quote started, while inside one.
    let mut quoted_from: Option<u64> = None;
    // Whether the current field began with a quote (so `""` is an empty field, not nothing).
    let mut was_quoted = false;
    let mut size = Size::default();
    while let Some(c) = chars.next() {
        if c == '\n' || (c == '\r' && chars.peek() != Some(&'\n')) {
            line += 1;
        }
        if quoted_from.is_some() {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted_from = None,
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !was_quoted => {
                quoted_from = Some(line);
                was_quoted = true;
            }
            ',' => {
                size.add(rows.len(), row.len(), 1)?;
                row.push(std::mem::take(&mut field));
                was_quoted = false;
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                    line += 1;
                }
                if !(row.is_empty() && field.is_empty() && !was_quoted) {
                    size.add(rows.len(), row.len(), 1)?;
                    row.push(std::mem::take(&mut field));
                }
                size.add(rows.len(), 0, 1)?;
                rows.push(std::mem::take(&mut row));
                was_quoted = false;
            }
            _ => field.push(c),
        }
    }
    if let Some(line) = quoted_from {
        return Err(TableError::Csv {
            line, reason: "引号没有闭合（字段中的引号须写成两个 \"\"）".to_string()
        });
    }
    if !(row.is_empty() && field.is_empty() && !was_quoted) {
        size.add(rows.len(), row.len(), 2)?;
        row.push(field);
        rows.push(row);
    }
    Ok(rows)
}

/// The text of a CSV: UTF-8 (a BOM dropped) if it is valid UTF-8, else GBK.
fn decode(bytes: &[u8]) -> Result<String, TableError> {
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(TableError::Utf16);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let utf8_error = match std::str::from_utf8(bytes) {
        Ok(text) => return Ok(text.to_string()),
        Err(e) => e.valid_up_to(),
    };
    if let Some(text) = GBK.decode_without_bom_handling_and_without_replacement(bytes) {
        return Ok(text.into_owned());
    }
    // The encoding that read further is the one the file is most likely in; its first bad byte
    // is the one to point at.
    let bad = utf8_error.max(gbk_error(bytes));
    let line = bytes[..bad].iter().filter(|b| **b == b'\n').count() + 1;
    Err(TableError::Encoding { line, byte: bad + 1 })
}

/// Offset of the first byte that is not GBK.
fn gbk_error(bytes: &[u8]) -> usize {
    let mut decoder = GBK.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(bytes.len().saturating_mul(2));
    let mut read = 0;
    loop {
        let (result, n) = decoder.decode_to_string_without_replacement(&bytes[read..], &mut out, true);
        read += n;
        match result {
            DecoderResult::Malformed(bad, after) => return read - usize::from(bad) - usize::from(after),
            DecoderResult::OutputFull => out.reserve(bytes.len() - read + 16),
            DecoderResult::InputEmpty => return read,
        }
    }
}

/// An XLSX workbook with one worksheet per `(name, rows)`: every cell a string (so `00123`
/// keeps its zeros and nothing turns into a date), the first row bold and frozen with a filter,
/// columns as wide as their content (Chinese characters counted double, within 8–50), and the
/// columns formatted as text so that values typed in later stay text too.
pub fn write_xlsx(sheets: &[(&str, Vec<Vec<String>>)]) -> Result<Vec<u8>, TableError> {
    let sheets: Vec<Sheet<'_>> = sheets.iter().map(|(name, rows)| Sheet { name, rows, numbers: &[] }).collect();
    write_book(&sheets)
}

/// A worksheet to write: its name, its rows (the first is the header) and the columns whose
/// cells are counts or amounts, written as numbers so Excel sums them and does not flag them
/// as "number stored as text".
pub struct Sheet<'a> {
    pub name: &'a str,
    pub rows: &'a [Vec<String>],
    /// Zero-based column indexes.
    pub numbers: &'a [usize],
}

/// [`write_xlsx`] with number columns: a cell of such a column below the header that reads as a
/// number is written as one; any other cell stays text.
pub fn write_book(sheets: &[Sheet<'_>]) -> Result<Vec<u8>, TableError> {
    let write_err = |e: rust_xlsxwriter::XlsxError| TableError::Write { reason: e.to_string() };
    let text = Format::new().set_num_format("@");
    let header = Format::new().set_num_format("@").set_bold().set_background_color(Color::RGB(0xD9_E1_F2));
    let mut book = Workbook::new();
    for &Sheet { name, rows, numbers } in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(name).map_err(write_err)?;
        let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
        for c in 0..columns {
            let width = rows.iter().filter_map(|r| r.get(c)).map(|s| display_width(s)).max().unwrap_or(0);
            let col = col_num(c)?;
            sheet
                .set_column_width(col, u32::try_from(width.clamp(WIDTH_MIN, WIDTH_MAX) + 2).unwrap_or(10))
                .map_err(write_err)?;
            if !numbers.contains(&c) {
                sheet.set_column_format(col, &text).map_err(write_err)?;
            }
        }
        for (r, cells) in rows.iter().enumerate() {
            let row = u32::try_from(r)
                .map_err(|_| TableError::Write { reason: format!("工作表“{name}”行数过多") })?;
            let format = if r == 0 { &header } else { &text };
            for (c, value) in cells.iter().enumerate() {
                if value.chars().count() > CELL_MAX {
                    return Err(TableError::CellTooLong {
                        sheet: name.to_string(),
                        row: r + 1,
                        column: yunwei_domain::cmdb::column_letter(c),
                    });
                }
                match value.parse::<f64>() {
                    Ok(n) if r > 0 && numbers.contains(&c) && n.is_finite() => {
                        sheet.write_number(row, col_num(c)?, n).map_err(write_err)?;
                    }
                    _ => {
                        sheet.write_string_with_format(row, col_num(c)?, value, format).map_err(write_err)?;
                    }
                }
            }
        }
        if !rows.is_empty() {
            sheet.set_freeze_panes(1, 0).map_err(write_err)?;
            if columns > 0 {
                let last_row = u32::try_from(rows.len() - 1).unwrap_or(u32::MAX);
                sheet.autofilter(0, 0, last_row, col_num(columns - 1)?).map_err(write_err)?;
            }
        }
    }
    book.save_to_buffer().map_err(write_err)
}

fn col_num(c: usize) -> Result<u16, TableError> {
    u16::try_from(c).map_err(|_| TableError::Write { reason: "列数过多".to_string() })
}

/// The width of the longest line of `s`, East Asian wide characters counting two.
fn display_width(s: &str) -> usize {
    s.lines().map(|l| l.chars().map(|c| if is_wide(c) { 2 } else { 1 }).sum()).max().unwrap_or(0)
}

fn is_wide(c: char) -> bool {
    matches!(u32::from(c),
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

/// A CSV of `rows`: UTF-8 with a BOM, so that Excel and WPS detect the encoding and show Chinese
/// correctly, CRLF line ends, fields quoted where needed. Excel still shows a long number-like
/// text (a serial) as a number when it opens a CSV; XLSX is the format that keeps it as typed.
pub fn write_csv(rows: &[Vec<String>]) -> Vec<u8> {
    let mut out = String::from("\u{FEFF}");
    for row in rows {
        for (i, field) in row.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            if field.contains([',', '"', '\r', '\n']) || field.trim() != field {
                out.push('"');
                out.push_str(&field.replace('"', "\"\""));
                out.push('"');
            } else {
                out.push_str(field);
            }
        }
        out.push_str("\r\n");
    }
    out.into_bytes()
}
