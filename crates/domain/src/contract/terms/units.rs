//! Units the terms are written in: fixed-point numbers, cycles and report kinds.

use std::fmt;

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
