//! Spreadsheet import and export of a project's CIs (issue 5 item 5): the 信息资产统计 list as
//! XLSX or CSV. An import is one transaction: every row is checked — in the file and against the
//! database (IP addresses held by other CIs) — and nothing is written unless every row is good,
//! or `skip_invalid` says to write the good ones. Re-importing finds a CI by its asset tag, else
//! its serial, and leaves it alone when nothing changed; a file exported by yunwei re-imports
//! with no changes.

use chrono::NaiveDate;
use serde_json::json;
use yunwei_domain::cmdb::{
    self as domain, CI_SHEET_NAME, CiInput, Location, RowError, SUMMARY_SHEET_NAME, TYPES_SHEET_NAME, ValidCi,
};
use yunwei_domain::identity::Permission;
use yunwei_domain::{FieldError, ValidationErrors};
use yunwei_store::cmdb::{self as store, CiRow, IpRow};

use super::CiView;
use super::record::{Overwrite, insert_in, last_snapshot, update_in};
use yunwei_domain::cmdb::audit;

use crate::access::authorize;
use crate::actor::Actor;
use crate::audit::{Record, record};
use crate::{App, AppError, tabular};

/// How to import.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Check and count only; write nothing.
    pub dry_run: bool,
    /// Write the good rows even when some are bad (the bad ones are listed).
    pub skip_invalid: bool,
}

/// What an import did (or, for a dry run or a refused file, would do).
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// Rows that become new CIs.
    pub new: usize,
    /// Rows that change an existing CI.
    pub changed: usize,
    /// Rows equal to what is recorded.
    pub unchanged: usize,
    /// Rows refused.
    pub invalid: usize,
    /// Why each refused row was refused, by row and column.
    pub errors: Vec<RowError>,
    /// Whether anything was written.
    pub applied: bool,
}

impl ImportReport {
    /// The one-line summary the CLI prints.
    pub fn line(&self) -> String {
        format!("new {}, changed {}, unchanged {}, invalid {}", self.new, self.changed, self.unchanged, self.invalid)
    }

    /// Whether the import is (or, for a dry run, would be) refused: bad rows without
    /// `skip_invalid`. A dry run answers the same as the import it checks, so a script that runs
    /// `--dry-run` first learns from the exit code what the import would do.
    pub fn refused(&self, opts: ImportOptions) -> bool {
        self.invalid > 0 && !opts.skip_invalid
    }
}

/// The project a caller may act on; without a caller (the command line, run by whoever holds
/// the database) any project.
async fn project_id(app: &App, actor: Option<&Actor>, code: &str, p: Permission) -> Result<i64, AppError> {
    match actor {
        Some(a) => Ok(authorize(app, a, code, p).await?.project.id),
        None => yunwei_store::project::by_code(&app.db, code)
            .await?
            .map(|p| p.id)
            .ok_or_else(|| AppError::NotFound(format!("项目 {code} 不存在"))),
    }
}

fn file_error(reason: impl Into<String>) -> AppError {
    AppError::Invalid(ValidationErrors(vec![FieldError::new("file", reason)]))
}

/// The row number of an error a use case returned for a row (IP conflicts, stale versions).
fn row_error(row: usize, e: AppError) -> Result<RowError, AppError> {
    match e {
        AppError::Conflict { field, reason } => Ok(RowError::new(row, field, reason)),
        AppError::Invalid(v) => {
            let f = v.0.into_iter().next().unwrap_or_else(|| FieldError::new("name", "无效"));
            Ok(RowError::new(row, f.field, f.reason))
        }
        other => Err(other),
    }
}

/// Imports a CI spreadsheet (`name` decides the format: `.xlsx` or `.csv`, UTF-8 or GBK) into a
/// project. `progress(done, total)` is called as rows are processed.
pub async fn import(
    app: &App,
    actor: Option<&Actor>,
    code: &str,
    name: &str,
    bytes: &[u8],
    opts: ImportOptions,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<ImportReport, AppError> {
    let pid = project_id(app, actor, code, Permission::CmdbWrite).await?;
    let by = actor.map_or("system", |a| a.username.as_str());
    let table = tabular::read_table(name, bytes).map_err(|e| file_error(e.to_string()))?;
    let rows = domain::parse_sheet(&table).map_err(|e| file_error(e.to_string()))?;
    let (valid, errors) = domain::validate_rows(&rows);
    let mut report = ImportReport { errors, ..Default::default() };
    let now = app.now();
    let total = valid.len();
    let mut tx = app.db.begin().await?;
    for (k, (row, v)) in valid.iter().enumerate() {
        progress(k, total);
        let existing = store::by_tag_or_serial(
            &mut tx,
            pid,
            v.asset_tag.as_deref(),
            v.serial.as_deref(),
            (&v.name, v.ci_type.code),
        )
        .await?;
        let outcome = match existing {
            Some(cur) => {
                let before = last_snapshot(&mut tx, cur.id).await?;
                if domain::diff(&before, &domain::snapshot(v)).is_empty() {
                    report.unchanged += 1;
                    continue;
                }
                let o = Overwrite {
                    cur: &cur,
                    expected: cur.version,
                    v,
                    before: &before,
                    by,
                    now,
                    cause: Some("import".into()),
                };
                update_in(&mut tx, o).await.map(|_| &mut report.changed)
            }
            None => insert_in(&mut tx, pid, v, by, now, Some("import".into())).await.map(|_| &mut report.new),
        };
        match outcome {
            Ok(counter) => *counter += 1,
            Err(e) => report.errors.push(row_error(*row, e)?),
        }
    }
    progress(total, total);
    report.errors.sort_by_key(|e| e.row);
    report.invalid = {
        let mut rows: Vec<usize> = report.errors.iter().map(|e| e.row).collect();
        rows.dedup();
        rows.len()
    };
    if opts.dry_run || (report.invalid > 0 && !opts.skip_invalid) {
        // Dropping the transaction undoes everything counted above.
        drop(tx);
        return Ok(report);
    }
    record(
        &mut tx,
        actor,
        now,
        Record {
            project_id: Some(pid),
            code: audit::CI_IMPORT,
            entity_id: "import".into(),
            summary: json!({ "file": name, "new": report.new, "changed": report.changed,
                             "unchanged": report.unchanged, "invalid": report.invalid }),
        },
    )
    .await?;
    tx.commit().await?;
    report.applied = true;
    Ok(report)
}

/// A file to download.
#[derive(Debug, Clone)]
pub struct ExportFile {
    /// File name (`信息资产统计-CODE.xlsx`).
    pub name: String,
    /// MIME type.
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A CI as one spreadsheet row, in column order: what the edit form shows and reads back
/// through the import's grammar, so every field round-trips.
pub fn sheet_cells(v: &CiView) -> Result<Vec<String>, AppError> {
    let input = as_input(&v.row, &v.ips);
    let valid =
        input.validate().map_err(|e| AppError::Internal(format!("stored CI {} no longer validates: {e}", v.row.id)))?;
    Ok(domain::ci_cells(&valid))
}

/// A stored CI, with its own addresses, as the input that would record it again.
fn as_input(r: &CiRow, ips: &[IpRow]) -> CiInput {
    CiInput {
        name: r.name.clone(),
        type_code: r.kind.clone(),
        hostname: r.hostname.clone(),
        vendor: r.vendor.clone(),
        model: r.model.clone(),
        serial: r.serial.clone(),
        part_number: r.part_number.clone(),
        asset_tag: r.asset_tag.clone(),
        location: Location {
            building: r.building.clone(),
            room: r.room.clone(),
            rack: r.rack.clone(),
            u: r.rack_unit.clone(),
        },
        owner_department: r.owner_department.clone(),
        status: Some(r.status.clone()),
        warranty_end: r.warranty_end.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()),
        supplier: r.supplier.clone(),
        criticality: r.criticality.clone(),
        ips: ips.iter().map(|i| i.address.clone()).collect(),
        attributes: r.attributes.clone(),
    }
}

/// Every CI of a project, oldest first, as recorded.
async fn all_valid(app: &App, project_id: i64) -> Result<Vec<ValidCi>, AppError> {
    let rows = store::all(&app.db, project_id).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let ips = super::cis::by_ci(store::ips_of(&app.db, &ids).await?);
    rows.iter()
        .map(|r| {
            as_input(r, ips.get(&r.id).map(Vec::as_slice).unwrap_or_default())
                .validate()
                .map_err(|e| AppError::Internal(format!("stored CI {} no longer validates: {e}", r.id)))
        })
        .collect()
}

/// The project's CIs as `xlsx` (the list, the counts by type, the type codes) or `csv` (the list).
pub async fn export(app: &App, actor: Option<&Actor>, code: &str, format: &str) -> Result<ExportFile, AppError> {
    let pid = project_id(app, actor, code, Permission::CmdbRead).await?;
    let cis = all_valid(app, pid).await?;
    let rows = domain::export_rows(&cis);
    match format {
        "xlsx" => {
            let (summary, types) = (domain::summary_rows(&cis), domain::types_rows());
            let sheets = [
                tabular::Sheet { name: CI_SHEET_NAME, rows: &rows, numbers: &[] },
                // The count column (类别, 类型, 数量).
                tabular::Sheet { name: SUMMARY_SHEET_NAME, rows: &summary, numbers: &[2] },
                tabular::Sheet { name: TYPES_SHEET_NAME, rows: &types, numbers: &[] },
            ];
            let bytes = tabular::write_book(&sheets).map_err(|e| AppError::Internal(e.to_string()))?;
            Ok(ExportFile { name: format!("{CI_SHEET_NAME}-{code}.xlsx"), content_type: XLSX, bytes })
        }
        "csv" => Ok(ExportFile {
            name: format!("{CI_SHEET_NAME}-{code}.csv"),
            content_type: "text/csv; charset=utf-8",
            bytes: tabular::write_csv(&rows),
        }),
        other => Err(ValidationErrors::single("format", format!("不支持“{other}”，可选 xlsx、csv")).into()),
    }
}

/// The empty import template with one example row (and the type codes).
pub fn template() -> Result<ExportFile, AppError> {
    let sheets = [(CI_SHEET_NAME, domain::template_rows()), (TYPES_SHEET_NAME, domain::types_rows())];
    let bytes = tabular::write_xlsx(&sheets).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(ExportFile { name: format!("{CI_SHEET_NAME}-导入模板.xlsx"), content_type: XLSX, bytes })
}
