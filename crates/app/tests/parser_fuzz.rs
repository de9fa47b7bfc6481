//! Parser fuzzing (issue 17 item 4): the spreadsheet import (XLSX/CSV through `tabular`, then
//! the CMDB sheet of `yunwei_domain::cmdb`) and the upload checks never panic and never allocate
//! out of proportion to their input, on mutations of the real sample files in `tests/corpus/`;
//! a zip bomb and files past the limits are refused with a message before they are unpacked or
//! read (docs/reliability.md, "Parser fuzzing").
//!
//! `cargo test -p yunwei-app --test parser_fuzz` runs a few hundred cases per parser;
//! `YUNWEI_FUZZ_CASES=100000 cargo test --release -p yunwei-app --test parser_fuzz -- --nocapture`
//! runs a long campaign and prints what the parsers spent at most.

#[path = "../../domain/tests/mutate/mod.rs"]
mod mutate;

use std::io::{Cursor, Write};
use std::time::Duration;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestRunner;
use yunwei_app::files::{self, ATTACHMENT_TYPES, Upload};
use yunwei_app::tabular::{self, TableError};
use yunwei_domain::ValidationErrors;
use yunwei_domain::cmdb;

use mutate::{Budget, Spent};

const DIR: &str = env!("CARGO_MANIFEST_DIR");

/// An XLSX unpacks to a multiple of its size (up to about 1000 for deflate), so the fixed part
/// covers the largest sheet the limits let through for a small file; the part per byte covers
/// a CSV (every cell a `String`).
const SHEET: Budget = Budget { per_byte: 4_096, fixed: 64 << 20, time: Duration::from_secs(20) };
/// The checks read the name and the bytes once, with no copy of the data.
const UPLOAD: Budget = Budget { per_byte: 8, fixed: 64 << 10, time: Duration::from_secs(5) };

/// What `cmdb::import` does with a file before it touches the database.
fn sheet_pipeline(name: &str, bytes: &[u8]) {
    let Ok(table) = tabular::read_table(name, bytes) else { return };
    let Ok(rows) = cmdb::parse_sheet(&table) else { return };
    let _ = cmdb::validate_rows(&rows);
}

fn extension(path: &std::path::Path) -> String {
    format!("seed.{}", path.extension().and_then(|e| e.to_str()).unwrap_or("csv"))
}

/// Files as the mutator takes them: (path or part name, bytes).
type Seeds = Vec<(std::path::PathBuf, Vec<u8>)>;

/// The XML parts of the XLSX seeds, to mutate one inside its archive.
struct Parts {
    /// Per seed (`None` for a CSV): the archive and its parts.
    seeds: Vec<Option<(Vec<u8>, Seeds)>>,
}

impl Parts {
    fn of(seeds: &[(std::path::PathBuf, Vec<u8>)]) -> Self {
        let seeds = seeds
            .iter()
            .map(|(_, bytes)| {
                let mut zip = zip::ZipArchive::new(Cursor::new(bytes.as_slice())).ok()?;
                let parts = (0..zip.len())
                    .filter_map(|i| {
                        let mut f = zip.by_index(i).ok()?;
                        let mut content = Vec::new();
                        std::io::Read::read_to_end(&mut f, &mut content).ok()?;
                        Some((std::path::PathBuf::from(f.name().ok()?.into_owned()), content))
                    })
                    .collect();
                Some((bytes.clone(), parts))
            })
            .collect();
        Self { seeds }
    }

    fn mutate(&self, seed: usize, part: &Index, mutations: &[mutate::Mutation]) -> Vec<u8> {
        let Some((xlsx, parts)) = &self.seeds[seed] else { return Vec::new() };
        let k = part.index(parts.len());
        let content = mutate::mutated(parts[k].1.clone(), parts, mutations);
        let name = parts[k].0.to_string_lossy().into_owned();
        replace_part(xlsx, &name, &content)
    }
}

#[test]
fn the_spreadsheet_import_survives_mutated_xlsx_and_csv_files() {
    let _lock = mutate::exclusive();
    let seeds = mutate::corpus(DIR, "sheet");
    let spent = Spent::default();
    for (path, bytes) in &seeds {
        let name = extension(path);
        SHEET
            .check(&spent, bytes.len(), || sheet_pipeline(&name, bytes))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    let xlsx_parts = Parts::of(&seeds);
    let mut runner = TestRunner::new(mutate::config());
    let result =
        runner.run(&(mutate::case(), any::<bool>(), any::<Index>()), |((seed, mutations), other_format, part)| {
            let mut name = extension(&seeds[seed.index(seeds.len())].0);
            let bytes = if name.ends_with("xlsx") && !other_format {
                // Structure-aware: the mutations go into one XML part of the workbook, re-zipped.
                xlsx_parts.mutate(seed.index(seeds.len()), &part, &mutations)
            } else {
                mutate::apply(&seeds, &seed, &mutations)
            };
            if other_format {
                // The same bytes under the other extension: an XLSX read as CSV and the reverse.
                name = if name.ends_with("xlsx") { "seed.csv".into() } else { "seed.xlsx".into() };
            }
            SHEET.check(&spent, bytes.len(), || sheet_pipeline(&name, &bytes))
        });
    spent.report("sheet");
    if let Err(e) = result {
        panic!("sheet: {e}");
    }
}

#[test]
fn the_upload_checks_survive_mutated_files_names_and_types() {
    let _lock = mutate::exclusive();
    let seeds = mutate::corpus(DIR, "upload");
    let types: Vec<String> = ATTACHMENT_TYPES
        .iter()
        .map(|(t, _)| (*t).to_owned())
        .chain(["text/html".into(), "IMAGE/PNG; charset=x".into(), String::new(), ";;".into()])
        .collect();
    let spent = Spent::default();
    let mut runner = TestRunner::new(mutate::config());
    let name = prop_oneof![
        Just("报告.pdf".to_owned()),
        Just("../../etc/passwd".to_owned()),
        Just("C:\\fakepath\\照片.png".to_owned()),
        Just("/".to_owned()),
        "\\PC{0,260}",
        ".{0,40}",
    ];
    let result = runner.run(&(mutate::case(), name, prop::sample::select(types)), |((seed, mutations), name, ct)| {
        let data = mutate::apply(&seeds, &seed, &mutations);
        let len = data.len() + name.len() + ct.len();
        let file = Upload { name, content_type: ct, data };
        let mut v = ValidationErrors::default();
        let (bare, _) = UPLOAD.check(&spent, len, || files::check(&mut v, &file, ATTACHMENT_TYPES))?;
        if v.0.is_empty() {
            prop_assert!(!bare.contains(['/', '\\']), "an accepted name is bare: {bare:?}");
            prop_assert!(!file.data.is_empty());
        }
        Ok(())
    });
    spent.report("upload");
    if let Err(e) = result {
        panic!("upload: {e}");
    }
}

/// The seed XLSX with part `name` replaced by `content`, written as the first entry of the
/// archive (so its local header is at offset 0 and its central directory record is the first).
fn with_part(name: &str, content: &[u8]) -> Vec<u8> {
    let seed = std::fs::read(std::path::Path::new(DIR).join("tests/corpus/sheet/cmdb-template.xlsx")).expect("seed");
    replace_part(&seed, name, content)
}

/// `xlsx` with part `name` replaced by `content` (written first).
fn replace_part(xlsx: &[u8], name: &str, content: &[u8]) -> Vec<u8> {
    let mut from = zip::ZipArchive::new(Cursor::new(xlsx)).expect("seed opens");
    let mut to = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    to.start_file(name, opts).expect("start");
    to.write_all(content).expect("write");
    for i in 0..from.len() {
        let f = from.by_index_raw(i).expect("entry");
        if f.name().expect("name") != name {
            to.raw_copy_file(f).expect("copy");
        }
    }
    to.finish().expect("finish").into_inner()
}

/// Sets the uncompressed size the first entry declares, in its local header and in its
/// central directory record (found through the end-of-central-directory record).
fn declare_first_size(bytes: &mut [u8], size: u32) {
    let size = size.to_le_bytes();
    bytes[22..26].copy_from_slice(&size);
    let eocd = bytes.len() - 22;
    assert_eq!(&bytes[eocd..eocd + 4], b"PK\x05\x06", "no archive comment");
    let cd = u32::from_le_bytes(bytes[eocd + 16..eocd + 20].try_into().expect("4 bytes")) as usize;
    assert_eq!(&bytes[cd..cd + 4], b"PK\x01\x02");
    bytes[cd + 24..cd + 28].copy_from_slice(&size);
}

fn shared_strings(text_bytes: usize) -> Vec<u8> {
    let mut xml = br#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>"#.to_vec();
    xml.extend(std::iter::repeat_n(b'A', text_bytes));
    xml.extend(b"</t></si></sst>");
    xml
}

#[test]
fn a_zip_bomb_is_refused_before_it_is_unpacked() {
    // The shared strings declare 300 MB (what a bomb unpacks to); the file is a few kilobytes.
    let mut bomb = with_part("xl/sharedStrings.xml", &shared_strings(1000));
    declare_first_size(&mut bomb, 300 << 20);
    let _lock = mutate::exclusive();
    let spent = Spent::default();
    let budget = Budget { per_byte: 0, fixed: 1 << 20, time: Duration::from_secs(10) };
    let r = budget.check(&spent, bomb.len(), || tabular::read_table("bomb.xlsx", &bomb)).expect("refused unread");
    let err = r.expect_err("refused");
    assert!(matches!(err, TableError::TooLarge { .. }), "{err:?}");
    assert!(err.to_string().contains("压缩炸弹"), "{err}");
}

#[test]
fn a_part_that_unpacks_to_more_than_it_declares_is_refused() {
    // 16 MB of text in one shared string (a file of some 20 kB) that declares 1 kB: the unpacker
    // stops past the declared size, so the string is never built.
    let mut liar = with_part("xl/sharedStrings.xml", &shared_strings(16 << 20));
    declare_first_size(&mut liar, 1024);
    let _lock = mutate::exclusive();
    let spent = Spent::default();
    let budget = Budget { per_byte: 0, fixed: 4 << 20, time: Duration::from_secs(10) };
    let r = budget.check(&spent, liar.len(), || tabular::read_table("liar.xlsx", &liar)).expect("bounded");
    assert!(matches!(r, Err(TableError::Xlsx { .. })), "refused: {r:?}");
}

#[test]
fn files_and_tables_past_the_limits_are_refused_with_a_message() {
    let big = vec![b'a'; tabular::MAX_FILE_BYTES + 1];
    let err = tabular::read_table("big.csv", &big).expect_err("refused");
    assert_eq!(err.to_string(), "文件过大，无法导入：文件超过 20 MB；请分成几个文件分别导入");

    let commas = vec![b','; tabular::MAX_COLUMNS + 1];
    let err = tabular::read_table("wide.csv", &commas).expect_err("refused");
    assert!(err.to_string().contains(&format!("第 1 行超过 {} 列", tabular::MAX_COLUMNS)), "{err}");
    let lines = vec![b'\n'; tabular::MAX_ROWS + 1];
    let err = tabular::read_table("long.csv", &lines).expect_err("refused");
    assert!(err.to_string().contains(&format!("超过 {} 行", tabular::MAX_ROWS)), "{err}");
    let many: Vec<u8> = b"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29\n"
        .repeat(tabular::MAX_ROWS - 1);
    let err = tabular::read_table("many.csv", &many).expect_err("refused");
    assert!(err.to_string().contains(&format!("单元格超过 {} 个", tabular::MAX_CELLS)), "{err}");
}

/// A sheet with a number in column XFD of many rows and one at the far corner (XFD1048576):
/// read cell by cell, each would make its row (and the rows before it) that long.
fn far_cells_sheet() -> Vec<u8> {
    let mut xml = br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#.to_vec();
    for r in 1..=300 {
        xml.extend(format!(r#"<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>"#).bytes());
    }
    xml.extend(br#"<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>"#);
    with_part("xl/worksheets/sheet1.xml", &xml)
}

/// A cell reference whose row number does not fit in 32 bits (what the fuzzing made of `A1`
/// by repeating a digit): calamine 0.38 overflows on it.
fn row_overflow_sheet() -> Vec<u8> {
    let xml = br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A11111111112"><v>1</v></c></row></sheetData></worksheet>"#;
    with_part("xl/worksheets/sheet1.xml", xml)
}

#[test]
fn a_cell_reference_past_the_largest_row_is_an_error_not_a_panic() {
    let (_, bytes) = mutate::corpus(DIR, "sheet")
        .into_iter()
        .find(|(p, _)| p.ends_with("regression-row-overflow.xlsx"))
        .expect("regression-row-overflow.xlsx");
    let err = tabular::read_table("overflow.xlsx", &bytes).expect_err("refused");
    assert!(matches!(err, TableError::Xlsx { .. }), "{err:?}");
}

#[test]
fn a_sheet_with_cells_far_out_is_refused_not_allocated() {
    let (path, bytes) = mutate::corpus(DIR, "sheet")
        .into_iter()
        .find(|(p, _)| p.ends_with("regression-far-cells.xlsx"))
        .expect("regression-far-cells.xlsx");
    let _lock = mutate::exclusive();
    let spent = Spent::default();
    let r = SHEET.check(&spent, bytes.len(), || tabular::read_table("far.xlsx", &bytes)).expect("bounded");
    let err = r.expect_err("refused");
    assert!(matches!(err, TableError::TooLarge { .. }), "{}: {err:?}", path.display());
}

/// Writes the seeds of `tests/corpus/sheet` from the app's own writers (the CMDB template with
/// the demo rows) and the regression files; run with `--ignored` after changing a writer.
#[test]
#[ignore = "writes the corpus"]
fn write_the_seed_files() {
    let dir = std::path::Path::new(DIR).join("tests/corpus");
    let mut rows = cmdb::template_rows();
    rows.push(
        [
            "HIS 数据库服务器",
            "server",
            "在用",
            "his-db01",
            "IBM",
            "Power S924",
            "SN-001",
            "",
            "ZC-0002",
            "行政楼",
            "信息中心机房",
            "A01",
            "1-4",
            "信息科",
            "2028/6/30",
            "",
            "高",
            "10.1.0.21；10.1.0.22",
            "os=AIX 7.2; memory_gb=256",
        ]
        .map(String::from)
        .to_vec(),
    );
    rows.push(vec![String::new()]);
    rows.push(
        [
            "PACS 存储",
            "storage_array",
            "",
            "",
            "华为",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "2027年1月1日",
            "",
            "",
            "10.1.0.41",
            "capacity_tb=200",
        ]
        .map(String::from)
        .to_vec(),
    );
    let xlsx = tabular::write_xlsx(&[("配置项", rows.clone())]).expect("xlsx");
    std::fs::write(dir.join("sheet/cmdb-template.xlsx"), xlsx).expect("write");
    std::fs::write(dir.join("sheet/cmdb-template.csv"), tabular::write_csv(&rows)).expect("write");
    let text: String = rows.iter().map(|r| r.join(",") + "\r\n").collect();
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    std::fs::write(dir.join("sheet/cmdb-gbk.csv"), gbk).expect("write");
    std::fs::write(dir.join("sheet/regression-far-cells.xlsx"), far_cells_sheet()).expect("write");
    std::fs::write(dir.join("sheet/regression-row-overflow.xlsx"), row_overflow_sheet()).expect("write");
}
