//! The 信息资产统计 CI sheet (seed 000 §2.1, issue 5 item 5): its columns, the mapping between a
//! row of cells and a [`CiInput`], the checks of a whole file before anything is imported, and the
//! rows of the export, the counts by type and the template. A file exported here re-imports with
//! no changes. Reading and writing XLSX/CSV bytes is the app's; this module sees rows of strings,
//! where `rows[0]` is spreadsheet row 1 (blank rows kept, so row numbers match what the user sees).

use std::collections::HashMap;
use std::fmt;

use chrono::NaiveDate;
use serde::Serialize;

use super::{CiInput, CiIp, CiStatus, ValidCi, field_name_zh};

mod attributes;
mod export;
#[cfg(test)]
mod tests;

pub use export::{ci_cells, export_rows, header_row, summary_by_type, summary_rows, template_rows, types_rows};

/// Name of the CI sheet in an exported workbook.
pub const CI_SHEET_NAME: &str = "信息资产统计";
/// Name of the sheet with the counts by type.
pub const SUMMARY_SHEET_NAME: &str = "按类型统计";
/// Name of the template's sheet listing the CI types.
pub const TYPES_SHEET_NAME: &str = "类型说明";

/// One column of the CI sheet, in sheet order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SheetColumn {
    /// 名称 (required).
    Name,
    /// 类型 (required): Chinese name or code.
    Type,
    /// 状态: Chinese name or code; blank is 在用.
    Status,
    /// 主机名.
    Hostname,
    /// 厂商.
    Vendor,
    /// 型号.
    Model,
    /// 序列号.
    Serial,
    /// PN号.
    PartNumber,
    /// 资产编号.
    AssetTag,
    /// 楼宇.
    Building,
    /// 房间.
    Room,
    /// 机柜.
    Rack,
    /// U位.
    U,
    /// 所属科室.
    OwnerDepartment,
    /// 保修截止: `YYYY-MM-DD` (also `YYYY/M/D`, `YYYY.M.D`, `YYYY年M月D日` on import).
    WarrantyEnd,
    /// 供应商.
    Supplier,
    /// 重要程度: Chinese name or code; blank is 中.
    Criticality,
    /// IP地址: several separated by `,` `，` `、` `;` `；`, spaces or line breaks.
    Ips,
    /// 属性: `key=value` pairs (grammar in the `attributes` submodule) or a JSON object.
    Attributes,
}

impl SheetColumn {
    /// Every column, in sheet order.
    pub const ALL: &'static [SheetColumn] = &[
        Self::Name,
        Self::Type,
        Self::Status,
        Self::Hostname,
        Self::Vendor,
        Self::Model,
        Self::Serial,
        Self::PartNumber,
        Self::AssetTag,
        Self::Building,
        Self::Room,
        Self::Rack,
        Self::U,
        Self::OwnerDepartment,
        Self::WarrantyEnd,
        Self::Supplier,
        Self::Criticality,
        Self::Ips,
        Self::Attributes,
    ];

    /// The Chinese header.
    pub fn header(self) -> &'static str {
        self.spec().0
    }

    /// The field path in [`CiInput`] validation errors, also accepted as a header.
    pub fn field(self) -> &'static str {
        self.spec().1
    }

    /// The template's hint after the header, shown as `保修截止（YYYY-MM-DD）`.
    pub fn hint(self) -> Option<&'static str> {
        self.spec().2
    }

    /// Whether a sheet without this column is refused.
    pub fn required(self) -> bool {
        matches!(self, Self::Name | Self::Type)
    }

    fn spec(self) -> (&'static str, &'static str, Option<&'static str>) {
        match self {
            Self::Name => ("名称", "name", None),
            Self::Type => ("类型", "type", Some("见“类型说明”表")),
            Self::Status => ("状态", "status", Some("在用/备用/维修中/已报废，默认在用")),
            Self::Hostname => ("主机名", "hostname", None),
            Self::Vendor => ("厂商", "vendor", None),
            Self::Model => ("型号", "model", None),
            Self::Serial => ("序列号", "serial", None),
            Self::PartNumber => ("PN号", "part_number", None),
            Self::AssetTag => ("资产编号", "asset_tag", None),
            Self::Building => ("楼宇", "location.building", None),
            Self::Room => ("房间", "location.room", None),
            Self::Rack => ("机柜", "location.rack", None),
            Self::U => ("U位", "location.u", Some("如 12 或 12-13")),
            Self::OwnerDepartment => ("所属科室", "owner_department", None),
            Self::WarrantyEnd => ("保修截止", "warranty_end", Some("YYYY-MM-DD")),
            Self::Supplier => ("供应商", "supplier", None),
            Self::Criticality => ("重要程度", "criticality", Some("关键/高/中/低，默认中")),
            Self::Ips => ("IP地址", "ips", Some("多个用逗号分隔")),
            Self::Attributes => ("属性", "attributes", Some("名称=值，多个用分号分隔")),
        }
    }

    /// The column of a header cell: the Chinese header or the field code (`asset_tag`,
    /// `location.rack` or just `rack`), any case, spaces ignored, a leading or trailing `*` and a
    /// trailing `（…）`/`(…)` hint ignored.
    pub fn from_header(header: &str) -> Option<SheetColumn> {
        let h = normalize_header(header);
        Self::ALL.iter().copied().find(|c| {
            let field = c.field();
            h == normalize_header(c.header()) || h == field || field.strip_prefix("location.") == Some(h.as_str())
        })
    }

    /// The column of a validation error's field path (`ips[2]` → IP地址, `attributes.cpu` → 属性).
    pub fn from_field(field: &str) -> Option<SheetColumn> {
        let top = field.split('[').next().unwrap_or(field);
        if top == "attributes" || top.starts_with("attributes.") {
            return Some(Self::Attributes);
        }
        Self::ALL.iter().copied().find(|c| c.field() == top)
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|c| *c == self).unwrap_or(usize::MAX)
    }
}

fn normalize_header(header: &str) -> String {
    let mut h: String = header.chars().filter(|c| !c.is_whitespace()).collect();
    loop {
        let before = h.len();
        h = h.trim_matches(['*', '＊']).to_string();
        for (open, close) in [('（', '）'), ('(', ')')] {
            if h.ends_with(close)
                && let Some(i) = h.rfind(open)
            {
                h.truncate(i);
            }
        }
        if h.len() == before {
            return h.to_lowercase();
        }
    }
}

/// The spreadsheet letters of a 0-based column index (`0` → `A`, `27` → `AB`).
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let d = (n - 1) % 26;
        out.push(char::from(b'A' + u8::try_from(d).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

/// A sheet that cannot be read at all: its header is wrong. Row problems are [`RowError`]s.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    /// Nothing but blank rows.
    #[error("表格中没有内容：第一行应为表头（名称、类型……）")]
    Empty,
    /// Headers that name no column: (column letter, header) pairs.
    #[error("第 {row} 行表头中有无法识别的列：{}；可用的列：{}", unknown_list(.columns), header_list())]
    UnknownColumns {
        /// Row number of the header.
        row: usize,
        /// (column letter, header as given).
        columns: Vec<(String, String)>,
    },
    /// The same column twice.
    #[error("第 {row} 行表头中 {column} 列与 {first} 列都是“{header}”")]
    DuplicateColumn {
        /// Row number of the header.
        row: usize,
        /// Letter of the second occurrence.
        column: String,
        /// Letter of the first occurrence.
        first: String,
        /// The column's Chinese header.
        header: &'static str,
    },
    /// Required columns absent.
    #[error("第 {row} 行表头缺少必填列：{}", .headers.join("、"))]
    MissingColumns {
        /// Row number of the header.
        row: usize,
        /// Chinese headers of the missing columns.
        headers: Vec<&'static str>,
    },
    /// Data in a column with a blank header.
    #[error("第 {row} 行 {column} 列有内容，但该列没有表头")]
    UnnamedColumn {
        /// Row number of the first such cell.
        row: usize,
        /// Column letter.
        column: String,
    },
}

fn unknown_list(columns: &[(String, String)]) -> String {
    columns.iter().map(|(l, h)| format!("{l} 列“{h}”")).collect::<Vec<_>>().join("、")
}

fn header_list() -> String {
    SheetColumn::ALL.iter().map(|c| c.header()).collect::<Vec<_>>().join("、")
}

/// One problem of one data row: its spreadsheet row number, the Chinese header of the column,
/// the field path and the Chinese reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// Spreadsheet row number (1-based, the header counted).
    pub row: usize,
    /// Chinese header of the column (`IP地址`); the field's Chinese name if no column holds it.
    pub column: String,
    /// Field path (`ips[2]`, `attributes.cpu`, `location.rack`).
    pub field: String,
    /// Why, in Chinese.
    pub reason: String,
}

impl RowError {
    /// An error on `field` of `row`, its column found from the field path.
    pub fn new(row: usize, field: impl Into<String>, reason: impl Into<String>) -> Self {
        let field = field.into();
        let column = SheetColumn::from_field(&field).map_or_else(|| field_name_zh(&field), |c| c.header().to_string());
        Self { row, column, field, reason: reason.into() }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "第 {} 行“{}”：{}", self.row, self.column, self.reason)
    }
}

/// One data row of the sheet as entered.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetRow {
    /// Spreadsheet row number (1-based, the header counted).
    pub row: usize,
    /// The CI as entered; a cell that could not be read is left empty here.
    pub input: CiInput,
    /// Cells that could not be read at all (a bad date, bad attribute syntax).
    pub cell_errors: Vec<RowError>,
}

fn is_blank(row: &[String]) -> bool {
    row.iter().all(|c| c.trim().is_empty())
}

/// Reads the CI sheet: the first non-blank row is the header, every later non-blank row a CI.
/// `rows[i]` is spreadsheet row `i + 1`. Only a wrong header fails the whole sheet; what is wrong
/// with a row is found by [`validate_rows`].
pub fn parse_sheet(rows: &[Vec<String>]) -> Result<Vec<SheetRow>, SheetError> {
    let h = rows.iter().position(|r| !is_blank(r)).ok_or(SheetError::Empty)?;
    let header_row = h + 1;
    let mut columns: Vec<Option<SheetColumn>> = Vec::with_capacity(rows[h].len());
    let mut unknown = Vec::new();
    for (i, cell) in rows[h].iter().enumerate() {
        let text = cell.trim();
        if text.is_empty() {
            columns.push(None);
            continue;
        }
        let Some(c) = SheetColumn::from_header(text) else {
            unknown.push((column_letter(i), text.to_string()));
            columns.push(None);
            continue;
        };
        if let Some(first) = columns.iter().position(|x| *x == Some(c)) {
            return Err(SheetError::DuplicateColumn {
                row: header_row,
                column: column_letter(i),
                first: column_letter(first),
                header: c.header(),
            });
        }
        columns.push(Some(c));
    }
    if !unknown.is_empty() {
        return Err(SheetError::UnknownColumns { row: header_row, columns: unknown });
    }
    let missing: Vec<&str> =
        SheetColumn::ALL.iter().filter(|c| c.required() && !columns.contains(&Some(**c))).map(|c| c.header()).collect();
    if !missing.is_empty() {
        return Err(SheetError::MissingColumns { row: header_row, headers: missing });
    }
    let mut out = Vec::new();
    for (i, cells) in rows.iter().enumerate().skip(h + 1) {
        if is_blank(cells) {
            continue;
        }
        if let Some(j) = cells
            .iter()
            .enumerate()
            .position(|(j, c)| columns.get(j).copied().flatten().is_none() && !c.trim().is_empty())
        {
            return Err(SheetError::UnnamedColumn { row: i + 1, column: column_letter(j) });
        }
        out.push(read_row(i + 1, &columns, cells));
    }
    Ok(out)
}

fn read_row(row: usize, columns: &[Option<SheetColumn>], cells: &[String]) -> SheetRow {
    let mut input = CiInput::default();
    let mut cell_errors = Vec::new();
    for (i, column) in columns.iter().enumerate() {
        let Some(column) = *column else { continue };
        let v = cells.get(i).map_or("", |c| c.trim());
        let text = (!v.is_empty()).then(|| v.to_string());
        let l = &mut input.location;
        match column {
            SheetColumn::Name => input.name = v.to_string(),
            SheetColumn::Type => input.type_code = v.to_string(),
            SheetColumn::Status => input.status = text,
            SheetColumn::Hostname => input.hostname = text,
            SheetColumn::Vendor => input.vendor = text,
            SheetColumn::Model => input.model = text,
            SheetColumn::Serial => input.serial = text,
            SheetColumn::PartNumber => input.part_number = text,
            SheetColumn::AssetTag => input.asset_tag = text,
            SheetColumn::Building => l.building = text,
            SheetColumn::Room => l.room = text,
            SheetColumn::Rack => l.rack = text,
            SheetColumn::U => l.u = text,
            SheetColumn::OwnerDepartment => input.owner_department = text,
            SheetColumn::Supplier => input.supplier = text,
            SheetColumn::Criticality => input.criticality = text,
            SheetColumn::WarrantyEnd if v.is_empty() => {}
            SheetColumn::WarrantyEnd => match parse_date(v) {
                Some(d) => input.warranty_end = Some(d),
                None => cell_errors.push(RowError::new(
                    row,
                    column.field(),
                    format!("“{v}”不是有效的日期，请写成 YYYY-MM-DD（如 2027-12-31）"),
                )),
            },
            SheetColumn::Ips => input.ips = split_ips(v),
            SheetColumn::Attributes => match attributes::parse(v) {
                Ok(map) => input.attributes = map,
                Err(reason) => cell_errors.push(RowError::new(row, column.field(), reason)),
            },
        }
    }
    SheetRow { row, input, cell_errors }
}

/// A date as `YYYY-MM-DD`, `YYYY/M/D`, `YYYY.M.D` or `YYYY年M月D日`, optionally followed by a
/// time of day (which is dropped: spreadsheets often add ` 00:00:00`).
fn parse_date(v: &str) -> Option<NaiveDate> {
    let (date, time) = v.split_once([' ', 'T']).unwrap_or((v, ""));
    if !time.trim().chars().all(|c| c.is_ascii_digit() || c == ':' || c == '.') {
        return None;
    }
    let date = date.strip_suffix('日').unwrap_or(date);
    let parts: Vec<&str> = date.split(['-', '/', '.', '年', '月']).collect();
    let [y, m, d] = parts.as_slice() else { return None };
    let digits =
        |s: &str, n: std::ops::RangeInclusive<usize>| n.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(y, 4..=4) && digits(m, 1..=2) && digits(d, 1..=2)) {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

fn split_ips(v: &str) -> Vec<String> {
    v.split(|c: char| matches!(c, ',' | '，' | '、' | ';' | '；') || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Where an earlier row used an identifying value.
#[derive(Default)]
struct Seen<'a> {
    tags: HashMap<&'a str, usize>,
    /// Serial → (first row, first row without an asset tag).
    serials: HashMap<&'a str, (usize, Option<usize>)>,
    live_addrs: HashMap<CiIp, usize>,
}

impl<'a> Seen<'a> {
    /// Duplicates of earlier rows, recorded on this (the later) row: the same asset tag; the same
    /// serial where one of the two rows has no asset tag (a re-import would find them by serial);
    /// the same address on two live CIs (which the IP register refuses; subnets may be shared).
    fn check(&mut self, r: &'a SheetRow, errors: &mut Vec<RowError>) {
        let input = &r.input;
        let nonblank = |s: &'a Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let tag = nonblank(&input.asset_tag);
        if let Some(tag) = tag {
            match self.tags.get(tag) {
                Some(first) => {
                    errors.push(RowError::new(r.row, "asset_tag", format!("资产编号“{tag}”与第 {first} 行重复")))
                }
                None => {
                    self.tags.insert(tag, r.row);
                }
            }
        }
        if let Some(serial) = nonblank(&input.serial) {
            let seen = self.serials.entry(serial).or_insert((r.row, None));
            let clash = if tag.is_none() { Some(seen.0) } else { seen.1 };
            if let Some(first) = clash.filter(|first| *first != r.row) {
                errors.push(RowError::new(
                    r.row,
                    "serial",
                    format!("序列号“{serial}”与第 {first} 行重复（没有资产编号的配置项按序列号识别）"),
                ));
            }
            if tag.is_none() && seen.1.is_none() {
                seen.1 = Some(r.row);
            }
        }
        let live = match nonblank(&input.status) {
            None => true,
            Some(s) => CiStatus::parse_lenient(s).is_ok_and(CiStatus::is_live),
        };
        if !live {
            return;
        }
        for (i, text) in input.ips.iter().enumerate() {
            let Ok(ip @ CiIp::Addr(_)) = CiIp::parse(text) else { continue };
            match self.live_addrs.get(&ip) {
                Some(first) if *first != r.row => errors.push(RowError::new(
                    r.row,
                    format!("ips[{i}]"),
                    format!("IP 地址 {ip} 已用于第 {first} 行（两个在用的配置项不能使用同一地址）"),
                )),
                Some(_) => {}
                None => {
                    self.live_addrs.insert(ip, r.row);
                }
            }
        }
    }
}

/// Validates every row ([`CiInput::validate`]) and checks the rows against each other (see
/// `Seen::check`). Returns the valid rows as (row number, CI) and every problem of the others,
/// by row and then in column order. A row with any problem is not among the valid ones.
pub fn validate_rows(rows: &[SheetRow]) -> (Vec<(usize, ValidCi)>, Vec<RowError>) {
    let mut valid = Vec::with_capacity(rows.len());
    let mut errors = Vec::new();
    let mut seen = Seen::default();
    for r in rows {
        let mut row_errors = r.cell_errors.clone();
        let ci = match r.input.validate() {
            Ok(ci) => Some(ci),
            Err(e) => {
                row_errors.extend(e.0.into_iter().map(|f| RowError::new(r.row, f.field, f.reason)));
                None
            }
        };
        seen.check(r, &mut row_errors);
        match ci {
            Some(ci) if row_errors.is_empty() => valid.push((r.row, ci)),
            _ => {
                row_errors.sort_by_key(|e| SheetColumn::from_field(&e.field).map_or(usize::MAX, SheetColumn::index));
                errors.extend(row_errors);
            }
        }
    }
    (valid, errors)
}
