//! The topology of a 500-CI hospital, legible in Chromium.

use super::*;

/// A 500-CI hospital in project `big`: 2 core, 6 aggregation and 24 access switches, 60 servers
/// with 100 VMs and 10 applications on them, and 298 PCs on the access switches.
async fn big_hospital(app: &App) {
    yunwei_app::project::create(
        app,
        None,
        yunwei_app::project::NewProjectInput {
            code: "big",
            name: "五百个配置项的医院",
            hospital: None,
            vendor: None,
            timezone: Some("Asia/Shanghai"),
        },
    )
    .await
    .expect("project big");
    yunwei_app::project::grant(app, None, "big", "engineer", "engineer").await.expect("grant");
    let floors = ["门诊楼", "住院楼", "医技楼", "行政楼"];
    let mut rows = vec!["名称,类型,IP地址".to_owned()];
    let mut kinds = Vec::new();
    for i in 0..500usize {
        let (name, kind) = match i {
            0..2 => (format!("CORE-SW-{:02}", i + 1), "core_switch"),
            2..8 => (format!("AGG-{:02}", i - 1), "aggregation_switch"),
            8..32 => (format!("{}{}F接入交换机", floors[i % 4], i / 4), "access_switch"),
            32..92 => (format!("SRV-{:03}", i - 31), "server"),
            92..192 => (format!("VM-{:03}", i - 91), "virtual_machine"),
            192..202 => (format!("业务系统-{:02}", i - 191), "other_application"),
            _ => (format!("{}{}层护士站医生工作站-{:03}", floors[i % 4], i % 9 + 1, i - 201), "pc_workstation"),
        };
        rows.push(format!("{name},{kind},10.{}.{}.{}", i / 250, i % 250, i % 200 + 1));
        kinds.push(kind);
    }
    let csv = rows.join("\r\n");
    let opts = yunwei_app::cmdb::ImportOptions { dry_run: false, skip_invalid: false };
    let report = yunwei_app::cmdb::import(app, None, "big", "big.csv", csv.as_bytes(), opts, &|_, _| {})
        .await
        .expect("import 500 CIs");
    assert_eq!(report.line(), "new 500, changed 0, unchanged 0, invalid 0");
    let pid = yunwei_app::testing::project(app, "big").await.expect("db").expect("big").id;
    let token = yunwei_app::identity::create_token(app, None, "engineer", "topology fixture").await.expect("token");
    let engineer = yunwei_app::identity::authenticate(app, &token.token).await.expect("auth").expect("engineer");
    let filter = yunwei_app::cmdb::CiFilter::default();
    let mut cis = yunwei_app::cmdb::list(app, &engineer, "big", filter, 1_000).await.expect("cis");
    assert_eq!(cis.len(), 500);
    cis.sort_by_key(|c| c.row.id);
    let id = |i: usize| cis[i].row.id;
    let mut edges: Vec<(usize, usize, &str)> = Vec::new();
    for a in 2..8 {
        edges.push((a, 0, "connects_to"));
        edges.push((a, 1, "connects_to"));
    }
    edges.extend((8..32).map(|x| (x, 2 + x % 6, "connects_to")));
    edges.extend((32..92).map(|s| (s, 8 + s % 4, "connects_to")));
    edges.extend((92..192).map(|v| (v, 32 + v % 60, "runs_on")));
    edges.extend((192..202).map(|p| (p, 92 + (p * 7) % 100, "runs_on")));
    edges.extend((202..500).map(|p| (p, 12 + p % 20, "connects_to")));
    let mut relations = Vec::new();
    for (s, t, kind) in edges {
        relations.push(yunwei_app::cmdb::RelationRow {
            id: 0,
            project_id: pid,
            source_id: id(s),
            target_id: id(t),
            kind: kind.to_owned(),
            source_port: String::new(),
            target_port: String::new(),
            created_at: chrono::Utc::now(),
            created_by: "test".into(),
        });
    }
    yunwei_app::testing::insert_relations(app, &relations).await.expect("relations");
}

/// Measures the drawing in the page: [CI boxes, group rows, texts running past their box,
/// overlapping boxes, smallest font size in tenths of a pixel].
const MEASURE_TOPOLOGY: &str = r#"
const svg = document.querySelector('#topology svg');
const boxes = [...svg.querySelectorAll('g.ci')].map(g => g.querySelector('rect').getBBox());
let overflow = 0, overlaps = 0, minFont = 1000;
const inside = (g, box) => {
  for (const t of g.querySelectorAll('text')) {
    const b = t.getBBox();
    if (b.x < box.x || b.x + b.width > box.x + box.width - 2) overflow++;
    minFont = Math.min(minFont, Math.round(parseFloat(getComputedStyle(t).fontSize) * 10));
  }
};
svg.querySelectorAll('g.ci').forEach(g => inside(g, g.querySelector('rect').getBBox()));
svg.querySelectorAll('g.row').forEach(g => inside(g, g.querySelector('rect.hit').getBBox()));
for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
  const a = boxes[i], b = boxes[j];
  if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) overlaps++;
}
return [boxes.length, svg.querySelectorAll('g.row').length, overflow, overlaps, minFont];
"#;

#[tokio::test(flavor = "multi_thread")]
async fn the_topology_of_a_500_ci_hospital_is_legible_in_chromium() {
    let Some(chromedriver) = chromedriver() else { return };
    let shots = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/screenshots"));
    std::fs::create_dir_all(&shots).expect("create target/screenshots");
    let tdb = support::TestDb::new().await;
    let app = App::new(tdb.db.clone(), Arc::new(SystemClock), AuthSettings::default());
    ensure_demo(&app).await.expect("demo installation");
    big_hospital(&app).await;
    let base = serve(app).await;
    let profile = tempfile::tempdir().expect("browser profile dir");
    let (_driver, b) = logged_in(&chromedriver, profile.path(), &base, (1600, 1000), "engineer").await;

    b.goto(format!("{base}/p/big/topology?scope=all")).await.expect("open the topology");
    b.query(By::Css("#topology svg g.ci")).first().await.expect("the drawing");
    let m = script_u32s(&b, MEASURE_TOPOLOGY).await;
    let [boxes, rows, overflow, overlaps, min_font] = m[..] else { panic!("measurements {m:?}") };
    assert_eq!(boxes, 32, "the switches have boxes");
    assert_eq!(rows, 468, "everything else is listed under its switch");
    assert_eq!(overflow, 0, "every text fits its box as rendered");
    assert_eq!(overlaps, 0, "no box overlaps another");
    assert!(min_font >= 110, "no text smaller than 11 px: {min_font}");
    screenshot(&b, &shots, "topology-500.png").await;
    b.find(By::Css("button[data-topo='fit']")).await.expect("fit button").click().await.expect("fit");
    screenshot(&b, &shots, "topology-500-fit.png").await;

    // The demo hospital's drawing, shrunk to the page because it is not much wider.
    b.goto(format!("{base}/p/{DEMO_PROJECT}/topology?scope=all")).await.expect("open the demo topology");
    let fit = script_u32s(&b, "return [document.getElementById('topology').classList.contains('fit') ? 1 : 0];").await;
    assert_eq!(fit, [1]);
    let m = script_u32s(&b, MEASURE_TOPOLOGY).await;
    assert_eq!((m[2], m[3]), (0, 0), "demo drawing: overflow and overlaps {m:?}");
    screenshot(&b, &shots, "topology-demo.png").await;
    b.quit().await.expect("quit the browser");
}
