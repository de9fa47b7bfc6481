//! The CI sheet: headers, rows, the attribute cell, checks across rows, export and round trip.

use chrono::NaiveDate;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::attributes;
use crate::cmdb::*;

fn row(cells: &[&str]) -> Vec<String> {
    cells.iter().map(|s| (*s).to_string()).collect()
}

fn sheet(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter().map(|r| row(r)).collect()
}

fn parse_one(header: &[&str], cells: &[&str]) -> SheetRow {
    let rows = parse_sheet(&sheet(&[header, cells])).expect("header accepted");
    rows.into_iter().next().expect("one row")
}

/// (row, column, field) of every error of a sheet.
fn error_cells(rows: &[Vec<String>]) -> Vec<(usize, String, String)> {
    let parsed = parse_sheet(rows).expect("header accepted");
    let (_, errors) = validate_rows(&parsed);
    errors.into_iter().map(|e| (e.row, e.column, e.field)).collect()
}

fn attrs(v: Value) -> Map<String, Value> {
    v.as_object().cloned().expect("object")
}

#[test]
fn headers_match_by_chinese_name_or_field_code_ignoring_spaces_stars_and_hints() {
    for (header, column) in [
        ("名称", SheetColumn::Name),
        (" 名称* ", SheetColumn::Name),
        ("*类型", SheetColumn::Type),
        ("保修截止（YYYY-MM-DD）", SheetColumn::WarrantyEnd),
        ("保修截止 (YYYY-MM-DD) *", SheetColumn::WarrantyEnd),
        ("IP 地址", SheetColumn::Ips),
        ("ip地址", SheetColumn::Ips),
        ("pn号", SheetColumn::PartNumber),
        ("asset_tag", SheetColumn::AssetTag),
        ("Asset_Tag", SheetColumn::AssetTag),
        ("location.rack", SheetColumn::Rack),
        ("rack", SheetColumn::Rack),
        ("U位（如 12 或 12-13）", SheetColumn::U),
        ("属性(key=value)", SheetColumn::Attributes),
    ] {
        assert_eq!(SheetColumn::from_header(header), Some(column), "{header}");
    }
    assert_eq!(SheetColumn::from_header("备注"), None);
}

#[test]
fn an_unknown_header_is_refused_naming_its_column_letter() {
    let err = parse_sheet(&sheet(&[&["名称", "类型", "备注", "楼宇", "颜色"]])).expect_err("refused");
    assert_eq!(
        err,
        SheetError::UnknownColumns {
            row: 1, columns: vec![("C".into(), "备注".into()), ("E".into(), "颜色".into())]
        }
    );
    assert!(err.to_string().contains("C 列“备注”"), "{err}");
}

#[test]
fn a_sheet_without_name_or_type_columns_is_refused() {
    let err = parse_sheet(&sheet(&[&[], &["名称", "厂商"]])).expect_err("refused");
    assert_eq!(err, SheetError::MissingColumns { row: 2, headers: vec!["类型"] });
    assert_eq!(err.to_string(), "第 2 行表头缺少必填列：类型");
    assert_eq!(parse_sheet(&sheet(&[&[""], &[" "]])), Err(SheetError::Empty));
}

#[test]
fn a_column_given_twice_or_data_under_a_blank_header_is_refused() {
    let err = parse_sheet(&sheet(&[&["名称", "类型", "name"]])).expect_err("refused");
    assert_eq!(err, SheetError::DuplicateColumn { row: 1, column: "C".into(), first: "A".into(), header: "名称" });
    let err = parse_sheet(&sheet(&[&["名称", "", "类型"], &["a", "", "server"], &["b", "x", "server"]]))
        .expect_err("refused");
    assert_eq!(err, SheetError::UnnamedColumn { row: 3, column: "B".into() });
}

#[test]
fn rows_are_numbered_as_in_the_spreadsheet_and_blank_rows_are_skipped() {
    let rows =
        sheet(&[&[], &["名称*", "类型*", "IP地址"], &["A", "server", "10.0.0.1"], &["", " ", ""], &["B", "服务器"]]);
    let parsed = parse_sheet(&rows).expect("parsed");
    assert_eq!(parsed.iter().map(|r| r.row).collect::<Vec<_>>(), [3, 5]);
    assert_eq!(parsed[1].input.name, "B");
    assert_eq!(parsed[1].input.ips, Vec::<String>::new(), "a short row reads as blank cells");
}

#[test]
fn every_cell_lands_in_its_field_with_ips_split_on_any_separator() {
    let header: Vec<&str> = SheetColumn::ALL.iter().map(|c| c.header()).collect();
    let r = parse_one(
        &header,
        &[
            " 核心交换机-01 ",
            "核心交换机",
            "备用",
            "SW01.hospital.local",
            "华为",
            "S12700E-8",
            "00123",
            "02351ABC",
            "ZC-1",
            "门诊楼",
            "3楼机房",
            "A03",
            "12-13",
            "信息中心",
            "2027年1月5日",
            "某某科技",
            "高",
            "10.0.0.1,10.0.0.2，10.0.0.3、10.0.0.4;10.0.0.5；10.0.0.6 10.0.0.7\n10.0.1.0/24",
            "firmware=V200; ports=48",
        ],
    );
    assert_eq!(r.cell_errors, vec![]);
    let ci = r.input.validate().expect("valid");
    assert_eq!(ci.name, "核心交换机-01");
    assert_eq!(ci.ci_type.code, "core_switch");
    assert_eq!(ci.status, CiStatus::Spare);
    assert_eq!(ci.hostname.as_deref(), Some("sw01.hospital.local"));
    assert_eq!(ci.serial.as_deref(), Some("00123"), "leading zeros kept");
    assert_eq!(ci.location.u.as_deref(), Some("12-13"));
    assert_eq!(ci.warranty_end, NaiveDate::from_ymd_opt(2027, 1, 5));
    assert_eq!(ci.criticality, Criticality::High);
    assert_eq!(ci.ips.len(), 8);
    assert_eq!(Value::Object(ci.attributes), json!({"firmware": "V200", "ports": 48}));
}

#[test]
fn dates_are_read_in_the_usual_spreadsheet_forms() {
    for text in ["2027-12-31", "2027/12/31", "2027.12.31", "2027年12月31日", "2027-12-31 00:00:00", "2027-12-31T00:00"]
    {
        let r = parse_one(&["名称", "类型", "保修截止"], &["x", "server", text]);
        assert_eq!(r.input.warranty_end, NaiveDate::from_ymd_opt(2027, 12, 31), "{text}");
    }
    for text in ["2027-13-01", "31/12/2027", "明年", "46387", "2027-12-31 下午"] {
        let r = parse_one(&["名称", "类型", "保修截止"], &["x", "server", text]);
        assert_eq!(r.cell_errors.len(), 1, "{text}");
        assert_eq!(r.cell_errors[0].column, "保修截止");
        assert!(r.cell_errors[0].reason.contains("YYYY-MM-DD"));
    }
}

#[test]
fn every_problem_of_a_row_is_reported_with_its_column_in_column_order() {
    let rows = sheet(&[
        &["名称", "类型", "机柜", "保修截止", "IP地址", "属性"],
        &["ok", "server", "A01", "2027-01-01", "10.0.0.1", "cpu=2"],
        &["", "交换机", "A01", "2027-02-30", "10.0.0.2 10.0.0.300", "cpu"],
        &["x", "server", &"R".repeat(65), "", "", "{\"vlans\": [\"a\", 3]}"],
    ]);
    assert_eq!(
        error_cells(&rows),
        [
            (3, "名称".into(), "name".into()),
            (3, "类型".into(), "type".into()),
            (3, "保修截止".into(), "warranty_end".into()),
            (3, "IP地址".into(), "ips[1]".into()),
            (3, "属性".into(), "attributes".into()),
            (4, "机柜".into(), "location.rack".into()),
            (4, "属性".into(), "attributes.vlans[1]".into()),
        ]
    );
    let parsed = parse_sheet(&rows).expect("parsed");
    let (valid, errors) = validate_rows(&parsed);
    assert_eq!(valid.iter().map(|(r, ci)| (*r, ci.name.as_str())).collect::<Vec<_>>(), [(2, "ok")]);
    assert_eq!(errors[4].to_string(), "第 3 行“属性”：“cpu”缺少“=”（属性应写成 名称=值，多个用分号分隔）");
}

#[test]
fn a_repeated_asset_tag_or_untagged_serial_is_an_error_on_the_later_row() {
    let rows = sheet(&[
        &["名称", "类型", "资产编号", "序列号"],
        &["a", "server", "ZC-1", "S1"],
        &["b", "server", "ZC-2", "S1"],
        &["c", "server", " ZC-1 ", "S3"],
        &["d", "server", "", "S1"],
        &["e", "server", "", "S5"],
        &["f", "server", "ZC-6", "S5"],
    ]);
    assert_eq!(
        error_cells(&rows),
        [
            (4, "资产编号".into(), "asset_tag".into()),
            (5, "序列号".into(), "serial".into()),
            (7, "序列号".into(), "serial".into()),
        ],
        "two tagged rows may share a serial; a tagless one may not"
    );
    let parsed = parse_sheet(&rows).expect("parsed");
    let (_, errors) = validate_rows(&parsed);
    assert_eq!(errors[0].reason, "资产编号“ZC-1”与第 2 行重复");
    assert!(errors[1].reason.starts_with("序列号“S1”与第 2 行重复"), "{}", errors[1].reason);
    assert!(errors[2].reason.starts_with("序列号“S5”与第 6 行重复"), "{}", errors[2].reason);
}

#[test]
fn the_same_address_on_two_live_rows_is_an_error_but_not_on_a_spare_or_for_a_subnet() {
    let rows = sheet(&[
        &["名称", "类型", "状态", "IP地址"],
        &["a", "server", "", "10.0.0.1, 10.0.1.0/24"],
        &["b", "server", "备用", "10.0.0.1"],
        &["c", "server", "在用", "10.0.0.2 10.0.1.0/24"],
        &["d", "server", "in_service", "10.0.0.3, ::ffff:10.0.0.1"],
    ]);
    assert_eq!(error_cells(&rows), [(5, "IP地址".into(), "ips[1]".into())]);
    let parsed = parse_sheet(&rows).expect("parsed");
    let (_, errors) = validate_rows(&parsed);
    assert!(errors[0].reason.contains("10.0.0.1 已用于第 2 行"), "{}", errors[0].reason);
}

#[test]
fn attribute_cells_type_numbers_and_booleans_and_keep_everything_else_as_text() {
    let got = attributes::parse(
        "firmware = V200R021C10; ports=48\nload=2.5；stacked=TRUE;; ha=false; os=7.10; id=048; exp=1e3; neg=-3\n\
         vlans=[10, 20，30]; empty=; note=\"a;b=c\"; tag=\"00123\"; \"k=1\"=x",
    )
    .expect("parsed");
    assert_eq!(
        Value::Object(got),
        json!({
            "firmware": "V200R021C10", "ports": 48, "load": 2.5, "stacked": true, "ha": false,
            "os": "7.10", "id": "048", "exp": "1e3", "neg": -3, "vlans": ["10", "20", "30"],
            "empty": null, "note": "a;b=c", "tag": "00123", "k=1": "x",
        })
    );
    assert_eq!(
        Value::Object(attributes::parse(" {\"a\": [\"1\"], \"b\": 2} ").expect("json")),
        json!({"a": ["1"], "b": 2})
    );
    assert_eq!(attributes::parse("").expect("empty"), Map::new());
}

#[test]
fn malformed_attribute_cells_say_what_is_wrong() {
    for (cell, reason) in [
        ("cpu", "“cpu”缺少“="),
        ("=3", "“=”前缺少属性名"),
        ("a=1; a=2", "属性 a 出现了两次"),
        ("v=[1, 2", "属性 v 的列表缺少“]”"),
        ("v=[1; 2]", "属性 v 的列表缺少“]”"),
        ("n=\"abc", "引号没有闭合"),
        ("n=\"a\" b", "属性 n 的值后多出“b”"),
        ("v=[\"a\" b]", "引号后应是逗号"),
        ("{\"a\": 1", "按 JSON 对象解析失败"),
    ] {
        let err = attributes::parse(cell).expect_err(cell);
        assert!(err.contains(reason), "{cell}: {err}");
    }
}

#[test]
fn attributes_print_plainly_and_quote_only_what_would_read_differently() {
    let map = attrs(json!({
        "firmware": "V200", "ports": 48, "ok": true, "vlans": ["10", "a,b", "x]"],
        "os": "7.10", "ver": "7.9", "flag": "true", "note": "a;b", "k=v": "[x]", "blank": "a\nb",
    }));
    let text = attributes::format(&map);
    assert_eq!(
        text,
        "blank=\"a\\nb\"; firmware=V200; flag=\"true\"; \"k=v\"=\"[x]\"; note=\"a;b\"; ok=true; os=7.10; \
         ports=48; ver=\"7.9\"; vlans=[10, \"a,b\", \"x]\"]"
    );
    assert_eq!(attributes::parse(&text).expect("reads back"), map);
}

#[test]
fn the_template_example_is_a_valid_huawei_core_switch_in_the_outpatient_building() {
    let rows = template_rows();
    assert_eq!(rows[0][0], "名称*");
    assert_eq!(rows[0][14], "保修截止（YYYY-MM-DD）");
    let parsed = parse_sheet(&rows).expect("header accepted");
    let (valid, errors) = validate_rows(&parsed);
    assert_eq!(errors, vec![]);
    let (row, ci) = &valid[0];
    assert_eq!(*row, 2);
    assert_eq!((ci.ci_type.code, ci.vendor.as_deref()), ("core_switch", Some("华为")));
    assert_eq!(ci.location.building.as_deref(), Some("门诊楼"));
    assert_eq!(ci.attributes["vlans"], json!(["10", "20", "30"]));
    assert_eq!(types_rows().len(), CI_TYPES.len() + 1);
}

#[test]
fn the_counts_by_type_follow_the_catalog_and_end_with_a_total() {
    let ci = |name: &str, ty: &str| CiInput { name: name.into(), type_code: ty.into(), ..Default::default() };
    let cis: Vec<ValidCi> = [ci("a", "server"), ci("b", "core_switch"), ci("c", "服务器")]
        .iter()
        .map(|i| i.validate().expect("valid"))
        .collect();
    assert_eq!(summary_by_type(&cis), [("core_switch", "核心交换机", 1), ("server", "服务器", 2)]);
    assert_eq!(
        summary_rows(&cis),
        [
            row(&["类别", "类型", "数量"]),
            row(&["网络设备", "核心交换机", "1"]),
            row(&["主机", "服务器", "2"]),
            row(&["合计", "", "3"])
        ]
    );
}

#[test]
fn column_letters_follow_the_spreadsheet() {
    assert_eq!([0, 25, 26, 27, 51, 52, 701, 702].map(column_letter), ["A", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
}

#[test]
fn an_export_reads_back_to_the_same_cis_with_no_errors() {
    let input = CiInput {
        name: "核心交换机 \"主\"".into(),
        type_code: "his".into(),
        hostname: Some("Core.Local.".into()),
        serial: Some("00123".into()),
        asset_tag: Some("=1+1".into()),
        status: Some("维修中".into()),
        warranty_end: NaiveDate::from_ymd_opt(2030, 2, 28),
        ips: vec!["fe80::1".into(), "10.0.0.0/8".into(), "::ffff:10.1.1.1".into()],
        attributes: attrs(
            json!({"ports": 48, "f": 0.1, "big": 18_446_744_073_709_551_615u64, "s": "  x  ", " k ": ["[", "\""]}),
        ),
        ..Default::default()
    };
    let ci = input.validate().expect("valid");
    let rows = export_rows(std::slice::from_ref(&ci));
    assert_eq!(rows[0], header_row());
    assert_eq!(rows[1][17], "fe80::1, 10.0.0.0/8, 10.1.1.1");
    let (valid, errors) = validate_rows(&parse_sheet(&rows).expect("parsed"));
    assert_eq!(errors, vec![]);
    assert_eq!(valid, vec![(2, ci)]);
}

fn text() -> impl Strategy<Value = Option<String>> {
    prop::option::of("[ a-zA-Z0-9中华为；;,，=\"\\[\\]{}.:/-]{0,12}")
}

fn attribute_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        "[ a-zA-Z0-9中；;,，=\"\\[\\]{}.\\\\\n-]{0,10}".prop_map(Value::String),
        prop_oneof![Just("true"), Just("FALSE"), Just("7.10"), Just("1e3"), Just("00123"), Just("[x]")]
            .prop_map(|s| Value::String(s.to_string())),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
        any::<bool>().prop_map(Value::Bool),
        prop::collection::vec("[ a-z0-9中,，\\]\";=\"]{1,6}", 0..4)
            .prop_map(|v| Value::Array(v.into_iter().map(Value::String).collect())),
    ]
}

fn ci_input() -> impl Strategy<Value = CiInput> {
    let ty = prop::sample::select(CI_TYPES.iter().flat_map(|t| [t.code, t.name_zh]).collect::<Vec<_>>());
    let status = prop::option::of(prop::sample::select(CiStatus::ALL.iter().map(|s| s.label()).collect::<Vec<_>>()));
    let crit = prop::option::of(prop::sample::select(Criticality::ALL.iter().map(|s| s.code()).collect::<Vec<_>>()));
    let ips = prop::collection::btree_set(any::<u32>(), 0..4).prop_map(|set| {
        set.into_iter()
            .enumerate()
            .map(|(i, n)| {
                let a = std::net::Ipv4Addr::from(n);
                match i {
                    1 => std::net::Ipv6Addr::from(u128::from(n) << 64).to_string(),
                    2 => format!("{}/16", std::net::Ipv4Addr::from(n & 0xffff_0000)),
                    _ => a.to_string(),
                }
            })
            .collect::<Vec<_>>()
    });
    let attrs = prop::collection::btree_map("[a-z中 =;\"{\\[]{1,6}", attribute_value(), 0..5);
    (
        ("[a-zA-Z中 ;,]{1,10}", ty, status, prop::option::of("[a-zA-Z0-9.-]{1,10}"), text(), text(), text()),
        (text(), text(), text(), text(), text(), text()),
        (text(), text(), prop::option::of(0i64..40_000), crit, ips, attrs),
    )
        .prop_map(|((name, ty, status, hostname, vendor, model, serial), (pn, tag, b, r, rack, u), rest)| {
            let (dept, supplier, days, crit, ips, attrs) = rest;
            CiInput {
                name,
                type_code: ty.to_string(),
                status: status.map(str::to_string),
                hostname,
                vendor,
                model,
                serial,
                part_number: pn,
                asset_tag: tag,
                location: Location { building: b, room: r, rack, u },
                owner_department: dept,
                warranty_end: days.and_then(|d| {
                    NaiveDate::from_ymd_opt(1990, 1, 1)?.checked_add_days(chrono::Days::new(d.unsigned_abs()))
                }),
                supplier,
                criticality: crit.map(str::to_string),
                ips,
                attributes: attrs.into_iter().collect(),
            }
        })
}

fn valid_ci() -> impl Strategy<Value = ValidCi> {
    ci_input().prop_filter_map("valid", |i| i.validate().ok())
}

proptest! {
    #[test]
    fn export_then_import_gives_back_the_same_cis(cis in prop::collection::vec(valid_ci(), 1..5)) {
        let rows = export_rows(&cis);
        let parsed = parse_sheet(&rows).expect("export header is accepted");
        prop_assert_eq!(parsed.len(), cis.len());
        for (r, ci) in parsed.iter().zip(&cis) {
            prop_assert_eq!(&r.cell_errors, &vec![]);
            let back = r.input.validate().expect("exported row is valid");
            prop_assert_eq!(snapshot(&back), snapshot(ci));
            prop_assert_eq!(&back, ci);
        }
    }

    #[test]
    fn an_exported_ci_passes_every_check_of_an_import(ci in valid_ci()) {
        let (valid, errors) = validate_rows(&parse_sheet(&export_rows(std::slice::from_ref(&ci))).expect("parsed"));
        prop_assert_eq!(errors, vec![]);
        prop_assert_eq!(valid, vec![(2, ci)]);
    }

    #[test]
    fn any_attribute_map_prints_to_text_that_reads_back_to_it(
        map in prop::collection::btree_map("[a-z中 =;\"{\\[]{1,6}", attribute_value(), 0..6)
    ) {
        let map: Map<String, Value> = map.into_iter().collect();
        let text = attributes::format(&map);
        prop_assert_eq!(attributes::parse(&text).expect("reads back"), map);
    }
}
