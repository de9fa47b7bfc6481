//! The CMDB part of `yunwei bench`: import a generated hospital of N configuration items from
//! an XLSX file (with a few bad rows), re-import it, relate the items as a hospital network is
//! wired, then time lists, the IP lookup and the impact query over HTTP.

use std::time::Instant;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use yunwei_app::App;
use yunwei_app::cmdb::ImportOptions;
use yunwei_store::cmdb::RelationRow;

use crate::bench::drive;
use crate::bench_http::{Req, Target};

/// Rows of a generated hospital: core and aggregation switches, access switches, servers,
/// virtual machines on the servers, PC workstations, and the clinical applications — `n` in
/// all, every `bad_every`-th row broken in a different way.
fn hospital(n: usize, bad_every: usize) -> Vec<Vec<String>> {
    let mut rows = vec![yunwei_domain::cmdb::header_row()];
    let header = rows[0].clone();
    let col = |name: &str| header.iter().position(|h| h.starts_with(name)).unwrap_or(0);
    let (c_name, c_type, c_tag, c_serial, c_ip, c_room, c_attr, c_vendor) = (
        col("名称"),
        col("类型"),
        col("资产编号"),
        col("序列号"),
        col("IP地址"),
        col("房间"),
        col("属性"),
        col("厂商"),
    );
    for i in 0..n {
        let (kind, vendor) = match i {
            0..4 => ("core_switch", "华为"),
            4..44 => ("aggregation_switch", "华为"),
            44..444 => ("access_switch", "H3C"),
            444..1444 => ("server", "浪潮"),
            1444..2444 => ("virtual_machine", "VMware"),
            _ if i + 20 >= n => (["his", "lis", "pacs", "emr", "cis"][i % 5], "东软"),
            _ => ("pc_workstation", "联想"),
        };
        let mut r = vec![String::new(); header.len()];
        r[c_name] = format!("{kind}-{i:05}");
        r[c_type] = kind.to_owned();
        r[c_tag] = format!("ZC-{i:06}");
        r[c_serial] = format!("SN{i:08}");
        r[c_vendor] = vendor.to_owned();
        r[c_ip] = format!("10.{}.{}.{}", 10 + i / 65_000, i / 250 % 256, i % 250 + 1);
        r[c_room] = if i < 2444 { "信息中心机房".into() } else { format!("门诊楼 {} 楼", i % 6 + 1) };
        r[c_attr] = format!("os=CentOS 7.9; memory_gb={}", 8 << (i % 5));
        if bad_every > 0 && i % bad_every == bad_every - 1 {
            match i / bad_every % 3 {
                0 => r[c_type] = "toaster".into(),
                1 => r[c_ip] = "10.1.2.300".into(),
                _ => r[c_name].clear(),
            }
        }
        rows.push(r);
    }
    rows
}

/// Relations as a hospital is wired: access → aggregation → core (links), servers and PCs to
/// access switches, VMs on servers, applications on VMs.
async fn wire(app: &App, project_id: i64) -> Result<(i64, usize)> {
    let cis = yunwei_store::cmdb::all(&app.db, project_id).await?;
    let of = |k: &str| cis.iter().filter(|c| c.kind == k).map(|c| c.id).collect::<Vec<_>>();
    let (core, agg, acc, srv, vm, pc) = (
        of("core_switch"),
        of("aggregation_switch"),
        of("access_switch"),
        of("server"),
        of("virtual_machine"),
        of("pc_workstation"),
    );
    let apps: Vec<i64> =
        cis.iter().filter(|c| ["his", "lis", "pacs", "emr", "cis"].contains(&c.kind.as_str())).map(|c| c.id).collect();
    let mut edges: Vec<(i64, i64, &str)> = Vec::new();
    let pick = |v: &[i64], i: usize| v[i % v.len().max(1)];
    for (i, a) in agg.iter().enumerate() {
        edges.push((*a, pick(&core, i), "connects_to"));
    }
    for (i, a) in acc.iter().enumerate() {
        edges.push((*a, pick(&agg, i), "connects_to"));
    }
    for (i, s) in srv.iter().chain(pc.iter()).enumerate() {
        edges.push((*s, pick(&acc, i), "connects_to"));
    }
    for (i, v) in vm.iter().enumerate() {
        edges.push((*v, pick(&srv, i), "runs_on"));
    }
    for (i, a) in apps.iter().enumerate() {
        edges.push((*a, pick(&vm, i), "runs_on"));
    }
    let now = app.now();
    let mut tx = app.db.begin().await?;
    for (s, t, k) in &edges {
        let r = RelationRow {
            id: 0,
            project_id,
            source_id: *s,
            target_id: *t,
            kind: (*k).to_owned(),
            source_port: String::new(),
            target_port: String::new(),
            created_at: now,
            created_by: "bench".into(),
        };
        yunwei_store::cmdb::insert_relation(&mut tx, &r).await?;
    }
    tx.commit().await?;
    Ok((core.first().copied().context("a core switch")?, edges.len()))
}

/// Runs the CMDB phases against project `bench`.
pub async fn run(app: &App, target: &Target, n: usize, clients: usize, seconds: u64) -> Result<()> {
    let project = yunwei_store::project::by_code(&app.db, "bench").await?.context("bench project")?;
    let rows = hospital(n, 1000);
    let xlsx = yunwei_app::tabular::write_xlsx(&[("信息资产统计", rows)]).map_err(|e| anyhow::anyhow!("{e}"))?;
    let bar = ProgressBar::new(n as u64);
    bar.set_style(
        ProgressStyle::with_template("import {bar:40} {pos}/{len} rows")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let progress = |d: usize, t: usize| {
        bar.set_length(t as u64);
        bar.set_position(d as u64);
    };
    let err = |e: yunwei_app::AppError| anyhow::anyhow!("{e}");
    for (label, opts) in [
        ("import dry run (bad rows)", ImportOptions { dry_run: true, skip_invalid: false }),
        ("import, skipping bad rows", ImportOptions { dry_run: false, skip_invalid: true }),
        ("re-import (all unchanged)", ImportOptions { dry_run: false, skip_invalid: true }),
    ] {
        let t = Instant::now();
        let r =
            yunwei_app::cmdb::import(app, None, "bench", "hospital.xlsx", &xlsx, opts, &progress).await.map_err(err)?;
        bar.finish_and_clear();
        let s = t.elapsed().as_secs_f64();
        println!("cmdb {label:<34} {n} rows in {s:.2} s ({:.0} rows/s): {}", n as f64 / s, r.line());
    }
    let t = Instant::now();
    let (core, edges) = wire(app, project.id).await?;
    println!("cmdb relations: {edges} in {:.2} s", t.elapsed().as_secs_f64());

    let queries: [(String, &str); 8] = [
        ("projects/bench/cis".into(), "cmdb list, no filter"),
        ("projects/bench/cis?type=server&status=in_service".into(), "cmdb list type+status"),
        ("projects/bench/cis?text=SN00001".into(), "cmdb list text"),
        ("projects/bench/ips?ip=10.10.3.7:9100".into(), "cmdb IP lookup (instance)"),
        (format!("cis/{core}/impact"), "cmdb impact of a core switch"),
        (format!("cis/{core}/topology?depth=2"), "cmdb topology around a core switch"),
        ("projects/bench/topology?scope=network".into(), "cmdb topology of the network"),
        ("projects/bench/topology?scope=physical".into(), "cmdb topology, physical (all 5k)"),
    ];
    for (path, name) in queries {
        for c in [1, clients] {
            let label = format!("{name} ({c} cl.)");
            let path = path.clone();
            let p = drive(&label, target, c, seconds.min(5), move |_| Req::get(format!("/api/v1/{path}"))).await;
            println!("{}", p.line());
        }
    }
    Ok(())
}
