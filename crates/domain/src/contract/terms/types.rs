//! The terms as types: what each module reads.

use std::collections::BTreeMap;

use super::super::{ClockTarget, EscalationStep};
use super::units::{Cycle, Fixed, ReportKind};

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
