//! Reading and writing XLSX and CSV.

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use super::*;

fn rows(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter().map(|r| r.iter().map(|s| (*s).to_string()).collect()).collect()
}

/// `rows` with trailing empty cells dropped, as a reader returns them.
fn trimmed(mut rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    for r in &mut rows {
        while r.last().is_some_and(String::is_empty) {
            r.pop();
        }
    }
    rows
}

fn sample() -> Vec<Vec<String>> {
    rows(&[
        &["名称", "类型", "序列号", "保修截止", "属性"],
        &["门诊楼核心交换机-01", "核心交换机", "00123", "2027-12-31", "firmware=V200; note=\"a,b\""],
        &["HIS 数据库服务器", "服务器", "0000", "", "多行\n文本"],
        &[],
        &["=1+1", "TRUE", "1.50", "1e5", "  前后空格  "],
    ])
}

#[test]
fn an_xlsx_written_here_reads_back_cell_for_cell_with_chinese_and_leading_zeros() {
    let summary = rows(&[&["类型", "数量"], &["服务器", "2"]]);
    let bytes = write_xlsx(&[("信息资产统计", sample()), ("按类型统计", summary)]).expect("written");
    assert_eq!(read_table("资产.XLSX", &bytes).expect("read"), trimmed(sample()), "first sheet, every cell as text");
}

#[test]
fn number_columns_are_written_as_numbers_and_the_rest_stays_text() {
    use calamine::{Data, Reader, Xlsx};
    let summary = rows(&[&["类型", "数量"], &["服务器", "2"], &["0012", "不详"]]);
    let bytes = write_book(&[Sheet { name: "按类型统计", rows: &summary, numbers: &[1] }]).expect("written");
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("xlsx");
    let range = book.worksheet_range("按类型统计").expect("sheet");
    assert_eq!(range.get((0, 1)), Some(&Data::String("数量".into())), "the header stays text");
    assert_eq!(range.get((1, 1)), Some(&Data::Float(2.0)), "a count is a number");
    assert_eq!(range.get((2, 1)), Some(&Data::String("不详".into())), "a word in a number column stays text");
    assert_eq!(range.get((2, 0)), Some(&Data::String("0012".into())), "other columns keep leading zeros");
}

#[test]
fn xlsx_numbers_dates_and_booleans_read_as_a_person_would_type_them() {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let stamp = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let day = ExcelDateTime::from_ymd(2027, 12, 31).expect("date");
    let at = ExcelDateTime::from_ymd(2027, 1, 5).and_then(|d| d.and_hms(8, 30, 0)).expect("time");
    sheet.write_string(1, 1, "名称").expect("write");
    sheet.write_number(2, 1, 42.0).expect("write");
    sheet.write_number(2, 2, 3.5).expect("write");
    sheet.write_number(2, 3, -7.0).expect("write");
    sheet.write_datetime_with_format(2, 4, day, &date).expect("write");
    sheet.write_datetime_with_format(2, 5, at, &stamp).expect("write");
    sheet.write_boolean(2, 6, true).expect("write");
    sheet.write_number(4, 1, 1e20).expect("write");
    let bytes = book.save_to_buffer().expect("saved");
    assert_eq!(
        read_table("a.xlsx", &bytes).expect("read"),
        rows(&[
            &[],
            &["", "名称"],
            &["", "42", "3.5", "-7", "2027-12-31", "2027-01-05 08:30:00", "true"],
            &[],
            &["", "100000000000000000000"],
        ]),
        "rows and columns keep their spreadsheet positions"
    );
}

#[test]
fn a_gbk_csv_reads_as_chinese() {
    let text = "名称,类型,楼宇\r\n核心交换机,核心交换机,门诊楼\r\n\"HIS，主\",服务器,\"医技楼\n2层\"\r\n";
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err(), "really not UTF-8");
    assert_eq!(
        read_table("assets.csv", &bytes).expect("read"),
        rows(&[
            &["名称", "类型", "楼宇"],
            &["核心交换机", "核心交换机", "门诊楼"],
            &["HIS，主", "服务器", "医技楼\n2层"]
        ])
    );
}

#[test]
fn a_csv_written_here_has_a_bom_and_reads_back_cell_for_cell() {
    let bytes = write_csv(&sample());
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    assert_eq!(read_table("x.CSV", &bytes).expect("read"), sample());
    let plain = "名称,类型\n\n\na,server\n".as_bytes();
    assert_eq!(
        read_table("x.csv", plain).expect("read"),
        rows(&[&["名称", "类型"], &[], &[], &["a", "server"]]),
        "blank lines stay rows, so row numbers match the spreadsheet"
    );
}

#[test]
fn csv_quoting_line_ends_and_blank_lines_follow_excel() {
    let text = "a,\"b,\"\"c\"\"\",,\"\"\r\n\r\n\"x\r\ny\"\rlast,x\"y";
    assert_eq!(
        parse_csv(text).expect("parsed"),
        rows(&[&["a", "b,\"c\"", "", ""], &[], &["x\r\ny"], &["last", "x\"y"]])
    );
    assert_eq!(parse_csv("").expect("empty"), Vec::<Vec<String>>::new());
    assert_eq!(
        parse_csv("a\nb,\"open\nstill open"),
        Err(TableError::Csv {
            line: 2, reason: "引号没有闭合（字段中的引号须写成两个 \"\"）".into()
        })
    );
}

#[test]
fn a_csv_in_neither_utf8_nor_gbk_is_refused_naming_the_line() {
    let err = read_table("x.csv", b"name,type\nx,\xFF\n").expect_err("refused");
    assert_eq!(err, TableError::Encoding { line: 2, byte: 13 });
    assert!(err.to_string().contains("第 2 行"), "{err}");
    assert_eq!(read_table("x.csv", b"\xFF\xFEn\0"), Err(TableError::Utf16));
}

#[test]
fn only_xlsx_and_csv_are_accepted() {
    for name in ["资产.xls", "资产.txt", "资产", "xlsx"] {
        let err = read_table(name, b"a,b").expect_err(name);
        assert_eq!(err, TableError::UnsupportedFormat { name: name.to_string() });
        assert!(err.to_string().contains(".xlsx 和 .csv"), "{err}");
    }
}

#[test]
fn a_malformed_xlsx_is_an_error_not_a_panic() {
    let err = read_table("x.xlsx", "名称,类型\n".as_bytes()).expect_err("refused");
    assert!(matches!(err, TableError::Xlsx { .. }), "{err:?}");
    assert!(err.to_string().starts_with("无法读取 xlsx 文件"), "{err}");
    let good = write_xlsx(&[("s", sample())]).expect("written");
    let cut = &good[..good.len() / 2];
    assert!(matches!(read_table("x.xlsx", cut), Err(TableError::Xlsx { .. })));
    let err = read_table("x.csv", &good).expect_err("an xlsx named .csv");
    assert!(err.to_string().contains("改为 .xlsx"), "{err}");
}

#[test]
fn writing_refuses_a_cell_excel_cannot_hold_and_a_bad_sheet_name() {
    let long = vec![vec!["名称".to_string()], vec!["x".repeat(CELL_MAX + 1)]];
    assert_eq!(
        write_xlsx(&[("信息资产统计", long)]),
        Err(TableError::CellTooLong { sheet: "信息资产统计".into(), row: 2, column: "A".into() })
    );
    assert!(matches!(write_xlsx(&[("a/b", sample())]), Err(TableError::Write { .. })));
}

#[test]
fn column_widths_count_chinese_characters_double() {
    assert_eq!(display_width("abc"), 3);
    assert_eq!(display_width("核心交换机"), 10);
    assert_eq!(display_width("短\n长一些的行"), 10);
    assert_eq!(number_text(42.0), "42");
    assert_eq!(number_text(0.1), "0.1");
}
