//! The contract's terms beyond the incident clocks (issue 3, "The contract also carries"): report
//! deadlines, inspection cycles, complaint hours and clocks, spare-part rules, requirement
//! clocks, emergency fallbacks, training and drills, the scoring scheme and the penalty ladder.
//! Parsed and validated here; the modules that use them read these types, never a number of
//! their own.

use std::collections::BTreeMap;
use std::fmt;

use toml::Spanned;

use super::raw::*;
use super::{ClockTarget, Ctx, EscalationStep};

/// A fixed-point number with three decimals (points, percentages): contracts write `0.5`, `0.1`,
/// `98`; arithmetic on fees must not drift the way floats do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Fixed(pub i64);

impl Fixed {
    /// Thousandths per unit.
    pub const ONE: i64 = 1000;

    /// A whole number.
    pub const fn whole(n: i64) -> Self {
        Fixed(n * Self::ONE)
    }

    /// From thousandths.
    pub const fn milli(n: i64) -> Self {
        Fixed(n)
    }
}

impl fmt::Display for Fixed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.abs();
        let (int, frac) = (a / Self::ONE, a % Self::ONE);
        if frac == 0 {
            write!(f, "{sign}{int}")
        } else {
            let s = format!("{frac:03}");
            write!(f, "{sign}{int}.{}", s.trim_end_matches('0'))
        }
    }
}

code_enum! {
    /// A recurring period: inspection cycles, report periods, assessment periods.
    Cycle {
        /// Every calendar month.
        Month = ("month", "每月"),
        /// Every calendar quarter.
        Quarter = ("quarter", "每季度"),
        /// Every half year.
        HalfYear = ("half_year", "每半年"),
        /// Every year.
        Year = ("year", "每年"),
    }
}

impl Cycle {
    /// Length in months.
    pub fn months(self) -> u32 {
        match self {
            Cycle::Month => 1,
            Cycle::Quarter => 3,
            Cycle::HalfYear => 6,
            Cycle::Year => 12,
        }
    }
}

code_enum! {
    /// Reports the vendor owes, each due a business time after its trigger.
    ReportKind {
        /// 月度服务报告, after each month ends.
        Monthly = ("monthly", "月度服务报告"),
        /// 季度服务总结及服务清单 (seed 000 §3.4), after each quarter ends.
        Quarterly = ("quarterly", "季度服务总结及服务清单"),
        /// 半年服务总结, after each half year ends.
        HalfYearly = ("half_yearly", "半年服务总结"),
        /// 年度服务总结, after each service year ends.
        Annual = ("annual", "年度服务总结"),
        /// 信息安全月报 (seed 003 1.1.6.3.3), after each month ends.
        SecurityMonthly = ("security_monthly", "信息安全月报"),
        /// 巡检报告 (seed 000 §2.9, seed 003 1.1.7.2.9), after each inspection.
        Inspection = ("inspection", "巡检报告"),
        /// 故障分析报告, after a major incident is resolved.
        FaultAnalysis = ("fault_analysis", "故障分析报告"),
        /// 升级实施报告及测试报告 (seed 003 1.1.9.2), after each patch or upgrade.
        Upgrade = ("upgrade", "升级实施报告"),
    }
}

impl ReportKind {
    /// The period a periodic report covers; `None` for reports triggered by an event.
    pub fn period(self) -> Option<Cycle> {
        match self {
            ReportKind::Monthly | ReportKind::SecurityMonthly => Some(Cycle::Month),
            ReportKind::Quarterly => Some(Cycle::Quarter),
            ReportKind::HalfYearly => Some(Cycle::HalfYear),
            ReportKind::Annual => Some(Cycle::Year),
            ReportKind::Inspection | ReportKind::FaultAnalysis | ReportKind::Upgrade => None,
        }
    }

    /// What starts the report's clock, in Chinese.
    pub fn trigger(self) -> &'static str {
        match self {
            ReportKind::Monthly | ReportKind::SecurityMonthly => "每月结束后",
            ReportKind::Quarterly => "每季度结束后",
            ReportKind::HalfYearly => "每半年结束后",
            ReportKind::Annual => "每个服务年度结束后",
            ReportKind::Inspection => "每次巡检完成后",
            ReportKind::FaultAnalysis => "重大故障解决后",
            ReportKind::Upgrade => "每次补丁或升级完成后",
        }
    }
}

/// Holidays before which a pre-holiday inspection is planned (seed 003 1.1.8.2).
pub const HOLIDAY_NAMES: &[&str] = &["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"];

/// Inspection terms (seed 003 1.1.5.1.3, 1.1.6.2.5, 1.1.8.2; seed 004 2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectionTerms {
    /// Default cycle of inspection plans.
    pub cycle: Cycle,
    /// First inspection, counted from the start of the service period.
    pub first: Option<ClockTarget>,
    /// Pre-holiday inspections.
    pub pre_holiday: Option<PreHoliday>,
}

/// A pre-holiday inspection: done at least `lead` before each named holiday starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreHoliday {
    /// Holiday names from [`HOLIDAY_NAMES`].
    pub holidays: Vec<String>,
    /// How long before the first day off, in `lead.calendar`.
    pub lead: ClockTarget,
}

/// How alerts from monitoring become incidents (seed 000 §2.3: the resident engineers watch
/// monitoring and backups; the mapping itself is the contract's, not the seeds').
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MonitoringTerms {
    /// Severity of an alert no rule matches; the contract's least severe level when absent.
    pub severity: Option<String>,
    /// Rules in document order; the first whose `when` labels all match decides.
    pub rules: Vec<AlertRule>,
}

/// One alert rule.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AlertRule {
    /// Labels the alert must carry with exactly these values (empty: every alert).
    pub when: BTreeMap<String, String>,
    /// Severity of the incident it opens.
    pub severity: Option<String>,
    /// Stored, but opens no incident.
    pub ignore: bool,
    /// The alert's recovery resolves its incident (the hospital still confirms).
    pub resolve_on_recovery: bool,
}

/// Complaint handling (seed 000 §3.5, seed 003 1.1.5.2.9).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplaintTerms {
    /// Calendar whose working time is when complaints are taken.
    pub hours: String,
    /// Complaint taken → first reply with a proposed handling.
    pub first_reply: Option<ClockTarget>,
    /// Complaint taken → resolved to the hospital's satisfaction.
    pub resolve: Option<ClockTarget>,
    /// Who is told when a complaint is not answered.
    pub escalate: Vec<EscalationStep>,
}

/// Spare-part rules (seed 000 §2.6/§2.10, seed 003 1.1.5.1.3–1.1.6.2.6).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SpareTerms {
    /// Share of covered device models with a spare in the project store.
    pub coverage_percent: Option<Fixed>,
    /// Project store stocked after the service period starts.
    pub initial_stock: Option<ClockTarget>,
    /// A used spare is replaced in the store.
    pub restock: Option<ClockTarget>,
    /// Replacement part delivered after the hospital asks.
    pub replace: Option<ClockTarget>,
    /// Replacement for an urgent case.
    pub urgent_replace: Option<ClockTarget>,
    /// A standby machine in place of a failed one.
    pub standby: Option<ClockTarget>,
    /// Warranty of a repaired part: the same fault again within it is a repeat repair.
    pub repair_warranty_months: Option<u32>,
}

/// Requirement (customisation) clocks (seed 002 附件二).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequirementTerms {
    /// Accepted requirement → agreed solution.
    pub plan: Option<ClockTarget>,
    /// Accepted requirement → developed.
    pub develop: Option<ClockTarget>,
    /// Accepted requirement → in production.
    pub deliver: Option<ClockTarget>,
    /// Working days of customisation included per year.
    pub customization_days_per_year: Option<u32>,
}

/// One step of the manual-operation fallback (seed 001 2.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManualFallback {
    /// Outage time after which these units switch to manual operation.
    pub after: ClockTarget,
    /// Departments or posts that switch.
    pub units: Vec<String>,
}

/// Emergency terms (seed 001 第二部分, seed 002 §2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EmergencyTerms {
    /// Manual fallback steps, by increasing outage time.
    pub manual_fallback: Vec<ManualFallback>,
    /// How often the emergency plan is drilled.
    pub drill_every: Option<Cycle>,
    /// A senior engineer or developer on site in a major emergency.
    pub senior_onsite: Option<ClockTarget>,
}

code_enum! {
    /// What an assessment item measures; the assessment module computes each from the records.
    Metric {
        /// Incidents whose every clock was met (seed 000 §5.1 故障处理及时性, seed 002 响应支持).
        IncidentTimeliness = ("incident_timeliness", "故障处理及时性"),
        /// Repairs returned in time (seed 000 §5.1 返修及时性).
        RepairTimeliness = ("repair_timeliness", "返修及时性"),
        /// Repairs not failing again within the repair warranty (seed 000 §5.1 返修合格性).
        RepairQuality = ("repair_quality", "返修合格性"),
        /// Satisfaction survey average (seed 000 §5.1 服务满意度, seed 002 用户满意度).
        Satisfaction = ("satisfaction", "服务满意度"),
        /// Requirements answered, developed and delivered in time (seed 002 二次功能性修改).
        RequirementTimeliness = ("requirement_timeliness", "需求处理及时性"),
        /// Resolved incidents over all incidents (seed 002 故障解决率).
        ResolutionRate = ("resolution_rate", "故障解决率"),
    }
}

/// How an item's score follows from its metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemRule {
    /// Full marks times the rate (share met, survey average / 100).
    Proportional,
    /// Full marks minus this many points per miss, not below zero.
    DeductPerMiss(Fixed),
    /// Full marks while the rate is at least `free_above_percent`; below it, `per_percent`
    /// points off per percentage point short (seed 002 故障解决率).
    Threshold {
        /// Rate (percent) from which no points are lost.
        free_above_percent: Fixed,
        /// Points lost per percentage point below.
        per_percent: Fixed,
    },
}

/// One item of the scoring scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreItem {
    /// What is measured.
    pub metric: Metric,
    /// Name in the report.
    pub name: String,
    /// Narrows the metric (e.g. a system: `HIS`, `CIS`), matched against incident categories.
    pub scope: Option<String>,
    /// The item's own scale (100 for a 百分制 item with a weight; its points otherwise).
    pub max: Fixed,
    /// Points it contributes to the total at full marks.
    pub share: Fixed,
    /// How the score follows from the metric.
    pub rule: ItemRule,
}

code_enum! {
    /// Events that add or take points from the total.
    AdjustEvent {
        /// A patch or upgrade that had to be repeated, caused a new problem, hurt the business or
        /// failed to roll back (seed 000 §5.1).
        FailedPatch = ("failed_patch", "补丁或升级失败"),
        /// A written commendation from the hospital (seed 002 §4).
        Commendation = ("commendation", "医院书面表扬信"),
    }
}

/// Points added to (positive) or taken from (negative) the total per event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Adjust {
    /// The event.
    pub event: AdjustEvent,
    /// Points per occurrence.
    pub points: Fixed,
}

/// What a score below the pass mark costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BelowPass {
    /// The fee is cut by `percent_per_point` % per point below the pass mark, at most
    /// `cap_percent` % (seed 000 §5: 0.1 % per 0.1 point, 20 % cap).
    DeductFee {
        /// Percent of the fee per point short.
        percent_per_point: Fixed,
        /// Largest total cut, percent of the fee.
        cap_percent: Option<Fixed>,
    },
    /// The fee paid is the score as a percentage of full marks (seed 002 §4: 70 points → 70 %).
    PayScorePercent,
}

/// The scoring scheme and how it turns into money.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoringScheme {
    /// Full marks.
    pub full: Fixed,
    /// Pass mark: at or above it the full fee is paid.
    pub pass: Fixed,
    /// Below the pass mark.
    pub below_pass: BelowPass,
    /// The items.
    pub items: Vec<ScoreItem>,
    /// Per-event adjustments of the total.
    pub adjust: Vec<Adjust>,
}

impl ScoringScheme {
    /// Fee payable (fen) for `fee_fen` at a total score `score` (points, [`Fixed`]). Exact in
    /// integer arithmetic; rounds the cut down to the fen, in the vendor's favour by at most
    /// one fen.
    pub fn payable_fen(&self, fee_fen: i64, score: Fixed) -> i64 {
        if score >= self.pass {
            return fee_fen;
        }
        match self.below_pass {
            BelowPass::DeductFee { percent_per_point, cap_percent } => {
                let short = i128::from(self.pass.0 - score.0); // thousandths of a point
                // cut percent (thousandths) = short × percent_per_point / 1000
                let mut cut = short * i128::from(percent_per_point.0) / 1000;
                if let Some(cap) = cap_percent {
                    cut = cut.min(i128::from(cap.0));
                }
                let cut_fen = i128::from(fee_fen) * cut / (100 * 1000);
                fee_fen - cut_fen as i64
            }
            BelowPass::PayScorePercent => {
                let s = i128::from(score.0.max(0));
                (i128::from(fee_fen) * s / i128::from(self.full.0)) as i64
            }
        }
    }
}

/// When the service is assessed and paid (seed 000 §5.1, seed 002 §4, seed 004 付款方式).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssessmentTerms {
    /// Assessment period.
    pub period: Cycle,
    /// Share of the annual fee paid per period (seed 004: 50 % per half year).
    pub pay_percent_per_period: Option<Fixed>,
}

/// A class of service problem and its warning/deduction ladder (seed 004 付款方式).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PenaltyClass {
    /// Code (`ordinary`, `urgent`, `major`, `disaster`).
    pub code: String,
    /// Name (普通问题 …).
    pub name: String,
    /// The occurrence of the same problem that carries the deduction: 3 = the third warning,
    /// 1 = the first (warned and cut at once), 0 = cut without a warning.
    pub deduct_after_warnings: u32,
    /// Cut, percent of the annual fee.
    pub deduct_percent: Fixed,
    /// Cut when the problem caused serious consequences or loss.
    pub severe_percent: Option<Fixed>,
    /// Whether the hospital may end the contract instead.
    pub may_terminate: bool,
}

/// Everything beyond calendars, severities and pauses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Terms {
    /// Reply to a written (fax, e-mail) report (seed 001 1.2).
    pub written_reply: Option<ClockTarget>,
    /// Report deadlines.
    pub reports: BTreeMap<ReportKind, ClockTarget>,
    /// Inspections.
    pub inspection: Option<InspectionTerms>,
    /// Alert intake.
    pub monitoring: MonitoringTerms,
    /// Complaints.
    pub complaint: Option<ComplaintTerms>,
    /// Spare parts.
    pub spares: SpareTerms,
    /// Requirements.
    pub requirements: RequirementTerms,
    /// Emergencies.
    pub emergency: EmergencyTerms,
    /// Training cycle.
    pub training_every: Option<Cycle>,
    /// Assessment period and payment.
    pub assessment: Option<AssessmentTerms>,
    /// Scoring.
    pub scoring: Option<ScoringScheme>,
    /// Penalty ladder by problem class, in document order of severity.
    pub penalties: Vec<PenaltyClass>,
}

fn cycle(ctx: &mut Ctx<'_>, v: &Spanned<String>, field: &str) -> Option<Cycle> {
    let c = Cycle::parse(v.get_ref());
    if c.is_none() {
        let known = Cycle::ALL.map(Cycle::code).join(", ");
        ctx.err(v, field, format!("未知周期“{}”，可选：{known}", v.get_ref()));
    }
    c
}

/// A number with at most three decimals within `min..=max`.
fn fixed(ctx: &mut Ctx<'_>, v: &Spanned<toml::Value>, field: &str, min: Fixed, max: Fixed) -> Option<Fixed> {
    let n = match v.get_ref() {
        toml::Value::Integer(i) => i.checked_mul(Fixed::ONE).map(Fixed),
        toml::Value::Float(f) if f.is_finite() => {
            let scaled = f * Fixed::ONE as f64;
            ((scaled - scaled.round()).abs() < 1e-6 && scaled.abs() < 1e15).then(|| Fixed(scaled.round() as i64))
        }
        _ => None,
    };
    match n {
        Some(n) if n >= min && n <= max => Some(n),
        _ => {
            ctx.err(v, field, format!("须为 {min} 到 {max} 之间的数，最多三位小数"));
            None
        }
    }
}

fn whole(ctx: &mut Ctx<'_>, v: &Spanned<toml::Value>, field: &str, max: u32) -> Option<u32> {
    match v.get_ref() {
        toml::Value::Integer(i) if (0..=i64::from(max)).contains(i) => Some(*i as u32),
        _ => {
            ctx.err(v, field, format!("须为 0 到 {max} 之间的整数"));
            None
        }
    }
}

pub(super) fn terms(ctx: &mut Ctx<'_>, raw: &RawContract) -> Terms {
    let mut t = Terms::default();
    let target = |ctx: &mut Ctx<'_>, tgt: &Option<RawTarget>, path: &str| {
        tgt.as_ref().and_then(|tgt| super::target(ctx, raw, tgt, path))
    };
    t.written_reply = target(ctx, &raw.sla.written_reply, "sla.written_reply");

    for (key, r) in &raw.reports {
        let path = format!("reports.{key}");
        match ReportKind::parse(key) {
            Some(kind) => {
                if let Some(c) = super::target(ctx, raw, r.get_ref(), &path) {
                    t.reports.insert(kind, c);
                }
            }
            None => {
                let known = ReportKind::ALL.map(ReportKind::code).join(", ");
                ctx.err(r, path, format!("未知报告“{key}”，可选：{known}"));
            }
        }
    }

    if let Some(i) = &raw.inspection {
        let cyc = match &i.cycle {
            Some(c) => cycle(ctx, c, "inspection.cycle"),
            None => Some(Cycle::Quarter),
        };
        let first = target(ctx, &i.first, "inspection.first");
        let pre_holiday = i.pre_holiday.as_ref().and_then(|p| {
            for h in p.holidays.get_ref() {
                if !HOLIDAY_NAMES.contains(&h.as_str()) {
                    ctx.err(
                        &p.holidays,
                        "inspection.pre_holiday.holidays",
                        format!("未知节日“{h}”，可选：{}", HOLIDAY_NAMES.join("、")),
                    );
                }
            }
            let lead = super::duration(ctx, &p.lead, "inspection.pre_holiday.lead");
            super::check_calendar(ctx, raw, &p.calendar, "inspection.pre_holiday.calendar");
            lead.map(|within| PreHoliday {
                holidays: p.holidays.get_ref().clone(),
                lead: ClockTarget { within, calendar: p.calendar.get_ref().clone() },
            })
        });
        if let Some(cycle) = cyc {
            t.inspection = Some(InspectionTerms { cycle, first, pre_holiday });
        }
    }

    if let Some(m) = &raw.monitoring {
        let known = || raw.severity.keys().cloned().collect::<Vec<_>>().join(", ");
        let severity = |ctx: &mut Ctx<'_>, s: &Spanned<String>, path: &str| {
            if raw.severity.contains_key(s.get_ref()) {
                Some(s.get_ref().clone())
            } else {
                ctx.err(s, path, format!("合同中没有级别“{}”，可选：{}", s.get_ref(), known()));
                None
            }
        };
        t.monitoring.severity = m.severity.as_ref().and_then(|s| severity(ctx, s, "monitoring.severity"));
        for (i, r) in m.rule.iter().enumerate() {
            let path = format!("monitoring.rule[{i}]");
            let rule = r.get_ref();
            let sev = rule.severity.as_ref().and_then(|s| severity(ctx, s, &format!("{path}.severity")));
            match (&rule.severity, rule.ignore) {
                (None, false) => ctx.err(r, &path, "须写明 severity（开单级别）或 ignore = true"),
                (Some(s), true) => ctx.err(s, format!("{path}.severity"), "ignore = true 的规则不开单，不能再写级别"),
                _ => {}
            }
            if rule.ignore && rule.resolve_on_recovery {
                ctx.err(r, &path, "ignore = true 的规则不开单，resolve_on_recovery 无从谈起");
            }
            t.monitoring.rules.push(AlertRule {
                when: rule.when.clone(),
                severity: sev,
                ignore: rule.ignore,
                resolve_on_recovery: rule.resolve_on_recovery,
            });
        }
    }

    if let Some(c) = &raw.complaint {
        super::check_calendar(ctx, raw, &c.hours, "complaint.hours");
        let first_reply = target(ctx, &c.first_reply, "complaint.first_reply");
        let resolve = target(ctx, &c.resolve, "complaint.resolve");
        let escalate = super::ladder(ctx, raw, &c.escalate, "complaint", Some(c.hours.get_ref().clone()));
        t.complaint = Some(ComplaintTerms { hours: c.hours.get_ref().clone(), first_reply, resolve, escalate });
    }

    if let Some(s) = &raw.spares {
        t.spares = SpareTerms {
            coverage_percent: s
                .coverage_percent
                .as_ref()
                .and_then(|v| fixed(ctx, v, "spares.coverage_percent", Fixed(0), Fixed::whole(100))),
            initial_stock: target(ctx, &s.initial_stock, "spares.initial_stock"),
            restock: target(ctx, &s.restock, "spares.restock"),
            replace: target(ctx, &s.replace, "spares.replace"),
            urgent_replace: target(ctx, &s.urgent_replace, "spares.urgent_replace"),
            standby: target(ctx, &s.standby, "spares.standby"),
            repair_warranty_months: s
                .repair_warranty_months
                .as_ref()
                .and_then(|v| whole(ctx, v, "spares.repair_warranty_months", 120)),
        };
    }

    if let Some(r) = &raw.requirements {
        t.requirements = RequirementTerms {
            plan: target(ctx, &r.plan, "requirements.plan"),
            develop: target(ctx, &r.develop, "requirements.develop"),
            deliver: target(ctx, &r.deliver, "requirements.deliver"),
            customization_days_per_year: r
                .customization_days_per_year
                .as_ref()
                .and_then(|v| whole(ctx, v, "requirements.customization_days_per_year", 366)),
        };
    }

    if let Some(e) = &raw.emergency {
        let mut steps: Vec<ManualFallback> = Vec::new();
        for (i, f) in e.manual_fallback.iter().enumerate() {
            let path = format!("emergency.manual_fallback[{i}]");
            let after = super::duration(ctx, &f.after, &format!("{path}.after"));
            super::check_calendar(ctx, raw, &f.calendar, &format!("{path}.calendar"));
            if f.units.get_ref().iter().all(|u| u.trim().is_empty()) {
                ctx.err(&f.units, format!("{path}.units"), "须列出转入手工操作的科室或岗位");
            }
            if let Some(within) = after {
                if let Some(prev) = steps.last()
                    && prev.after.calendar == *f.calendar.get_ref()
                    && prev.after.within.working_days == within.working_days
                    && prev.after.within.seconds >= within.seconds
                {
                    ctx.err(&f.after, format!("{path}.after"), "时限须逐级递增");
                }
                steps.push(ManualFallback {
                    after: ClockTarget { within, calendar: f.calendar.get_ref().clone() },
                    units: f.units.get_ref().clone(),
                });
            }
        }
        t.emergency = EmergencyTerms {
            manual_fallback: steps,
            drill_every: e.drill_every.as_ref().and_then(|c| cycle(ctx, c, "emergency.drill_every")),
            senior_onsite: target(ctx, &e.senior_onsite, "emergency.senior_onsite"),
        };
    }

    if let Some(tr) = &raw.training {
        t.training_every = cycle(ctx, &tr.every, "training.every");
    }

    if let Some(a) = &raw.assessment {
        let period = cycle(ctx, &a.period, "assessment.period");
        let pay = a
            .pay_percent_per_period
            .as_ref()
            .and_then(|v| fixed(ctx, v, "assessment.pay_percent_per_period", Fixed(0), Fixed::whole(100)));
        t.assessment = period.map(|period| AssessmentTerms { period, pay_percent_per_period: pay });
    }
    if let Some(s) = &raw.scoring {
        t.scoring = scoring(ctx, s);
    }

    for (code, p) in &raw.penalties {
        let path = format!("penalties.{code}");
        let r = p.get_ref();
        let warnings = whole(ctx, &r.deduct_after_warnings, &format!("{path}.deduct_after_warnings"), 100);
        let deduct = fixed(ctx, &r.deduct_percent, &format!("{path}.deduct_percent"), Fixed(0), Fixed::whole(100));
        let severe = r
            .severe_percent
            .as_ref()
            .and_then(|v| fixed(ctx, v, &format!("{path}.severe_percent"), Fixed(0), Fixed::whole(100)));
        if let (Some(deduct_after_warnings), Some(deduct_percent)) = (warnings, deduct) {
            t.penalties.push(PenaltyClass {
                code: code.clone(),
                name: r.name.clone().unwrap_or_else(|| code.clone()),
                deduct_after_warnings,
                deduct_percent,
                severe_percent: severe,
                may_terminate: r.may_terminate,
            });
        }
    }
    // Least to most serious: by the cut, then by how soon it bites.
    t.penalties.sort_by_key(|p| (p.deduct_percent, std::cmp::Reverse(p.deduct_after_warnings)));
    t
}

fn scoring(ctx: &mut Ctx<'_>, s: &Spanned<RawScoring>) -> Option<ScoringScheme> {
    let r = s.get_ref();
    let full = match &r.full {
        Some(v) => fixed(ctx, v, "scoring.full", Fixed::milli(1), Fixed::whole(10_000)),
        None => Some(Fixed::whole(100)),
    };
    let pass = full.and_then(|full| fixed(ctx, &r.pass, "scoring.pass", Fixed(0), full));
    let pct = |ctx: &mut Ctx<'_>, v: &Option<Spanned<toml::Value>>, field: &str| {
        v.as_ref().and_then(|v| fixed(ctx, v, field, Fixed(0), Fixed::whole(100)))
    };
    let below_pass = match r.below_pass.get_ref().as_str() {
        "deduct_fee" => match pct(ctx, &r.deduct_fee_percent_per_point, "scoring.deduct_fee_percent_per_point") {
            Some(p) => Some(BelowPass::DeductFee {
                percent_per_point: p,
                cap_percent: pct(ctx, &r.deduct_cap_percent, "scoring.deduct_cap_percent"),
            }),
            None => {
                if r.deduct_fee_percent_per_point.is_none() {
                    ctx.err(
                        &r.below_pass,
                        "scoring.deduct_fee_percent_per_point",
                        "below_pass = \"deduct_fee\" 须给出每低 1 分扣减的服务费百分比",
                    );
                }
                None
            }
        },
        "pay_score_percent" => {
            for (v, f) in [
                (&r.deduct_fee_percent_per_point, "scoring.deduct_fee_percent_per_point"),
                (&r.deduct_cap_percent, "scoring.deduct_cap_percent"),
            ] {
                if let Some(v) = v {
                    ctx.err(v, f, "仅用于 below_pass = \"deduct_fee\"");
                }
            }
            Some(BelowPass::PayScorePercent)
        }
        other => {
            ctx.err(
                &r.below_pass,
                "scoring.below_pass",
                format!("未知规则“{other}”，可选：deduct_fee（按分扣费）、pay_score_percent（按得分比例支付）"),
            );
            None
        }
    };

    let mut items = Vec::new();
    let (mut weights, mut points) = (0usize, 0usize);
    for (i, it) in r.items.iter().enumerate() {
        let path = format!("scoring.items[{i}]");
        let raw_item = it.get_ref();
        let metric = Metric::parse(raw_item.metric.get_ref());
        if metric.is_none() {
            let known = Metric::ALL.map(Metric::code).join(", ");
            ctx.err(
                &raw_item.metric,
                format!("{path}.metric"),
                format!("未知指标“{}”，可选：{known}", raw_item.metric.get_ref()),
            );
        }
        let max_share = match (&raw_item.weight, &raw_item.points, full) {
            (Some(w), None, Some(full)) => {
                weights += 1;
                fixed(ctx, w, &format!("{path}.weight"), Fixed::milli(1), Fixed::whole(100))
                    .map(|w| (Fixed::whole(100), Fixed(full.0 * w.0 / Fixed::whole(100).0)))
            }
            (None, Some(p), Some(full)) => {
                points += 1;
                fixed(ctx, p, &format!("{path}.points"), Fixed::milli(1), full).map(|p| (p, p))
            }
            (Some(_), Some(p), _) => {
                ctx.err(p, format!("{path}.points"), "weight（权重百分比）与 points（分值）只能给一个");
                None
            }
            (None, None, _) => {
                ctx.err(it, format!("{path}.weight"), "须给出 weight（权重百分比）或 points（分值）");
                None
            }
            _ => None,
        };
        let rule = match (&raw_item.deduct, &raw_item.free_above_percent, &raw_item.per_percent) {
            (None, None, None) => Some(ItemRule::Proportional),
            (Some(d), None, None) => fixed(ctx, d, &format!("{path}.deduct"), Fixed::milli(1), Fixed::whole(100))
                .map(ItemRule::DeductPerMiss),
            (None, Some(f), Some(p)) => {
                let f = fixed(ctx, f, &format!("{path}.free_above_percent"), Fixed(0), Fixed::whole(100));
                let p = fixed(ctx, p, &format!("{path}.per_percent"), Fixed::milli(1), Fixed::whole(100));
                f.zip(p)
                    .map(|(free_above_percent, per_percent)| ItemRule::Threshold { free_above_percent, per_percent })
            }
            (Some(d), _, _) => {
                ctx.err(d, format!("{path}.deduct"), "deduct 不能与 free_above_percent / per_percent 同用");
                None
            }
            (None, Some(f), None) => {
                ctx.err(f, format!("{path}.per_percent"), "给出 free_above_percent 时须同时给出 per_percent");
                None
            }
            (None, None, Some(p)) => {
                ctx.err(p, format!("{path}.free_above_percent"), "给出 per_percent 时须同时给出 free_above_percent");
                None
            }
        };
        if let (Some(metric), Some((max, share)), Some(rule)) = (metric, max_share, rule) {
            items.push(ScoreItem {
                metric,
                name: raw_item.name.clone().unwrap_or_else(|| metric.label().to_owned()),
                scope: raw_item.scope.clone(),
                max,
                share,
                rule,
            });
        }
    }
    let items_at = r.items.first().map(|i| i.span()).unwrap_or_else(|| s.span());
    let items_at = Spanned::new(items_at, ());
    if weights > 0 && points > 0 {
        ctx.err(&items_at, "scoring.items", "各项须统一用 weight（权重）或统一用 points（分值）");
    } else if let Some(full) = full
        && items.len() == r.items.len()
        && !items.is_empty()
    {
        let total: i64 = items.iter().map(|i| i.share.0).sum();
        if weights > 0 && total != full.0 {
            let percent = Fixed(total * 100 * Fixed::ONE / full.0);
            ctx.err(&items_at, "scoring.items", format!("各项权重之和须为 100%，现为 {percent}%"));
        } else if points > 0 && total != full.0 {
            ctx.err(&items_at, "scoring.items", format!("各项分值之和须为满分 {full}，现为 {}", Fixed(total)));
        }
    }
    let mut adjust = Vec::new();
    for (i, a) in r.adjust.iter().enumerate() {
        let path = format!("scoring.adjust[{i}]");
        let event = AdjustEvent::parse(a.event.get_ref());
        if event.is_none() {
            let known = AdjustEvent::ALL.map(AdjustEvent::code).join(", ");
            ctx.err(&a.event, format!("{path}.event"), format!("未知事件“{}”，可选：{known}", a.event.get_ref()));
        }
        let pts = fixed(ctx, &a.points, &format!("{path}.points"), Fixed::whole(-100), Fixed::whole(100));
        if let (Some(event), Some(points)) = (event, pts) {
            adjust.push(Adjust { event, points });
        }
    }
    Some(ScoringScheme { full: full?, pass: pass?, below_pass: below_pass?, items, adjust })
}
