//! Parsing and validating the terms from the raw document.

use toml::Spanned;

use super::super::raw::*;
use super::super::{ClockTarget, Ctx};
use super::*;

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

pub(in crate::contract) fn terms(ctx: &mut Ctx<'_>, raw: &RawContract) -> Terms {
    let mut t = Terms::default();
    let target = |ctx: &mut Ctx<'_>, tgt: &Option<RawTarget>, path: &str| {
        tgt.as_ref().and_then(|tgt| super::super::target(ctx, raw, tgt, path))
    };
    t.written_reply = target(ctx, &raw.sla.written_reply, "sla.written_reply");

    for (key, r) in &raw.reports {
        let path = format!("reports.{key}");
        match ReportKind::parse(key) {
            Some(kind) => {
                if let Some(c) = super::super::target(ctx, raw, r.get_ref(), &path) {
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
            let lead = super::super::duration(ctx, &p.lead, "inspection.pre_holiday.lead");
            super::super::check_calendar(ctx, raw, &p.calendar, "inspection.pre_holiday.calendar");
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
        super::super::check_calendar(ctx, raw, &c.hours, "complaint.hours");
        let first_reply = target(ctx, &c.first_reply, "complaint.first_reply");
        let resolve = target(ctx, &c.resolve, "complaint.resolve");
        let escalate = super::super::ladder(ctx, raw, &c.escalate, "complaint", Some(c.hours.get_ref().clone()));
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
            let after = super::super::duration(ctx, &f.after, &format!("{path}.after"));
            super::super::check_calendar(ctx, raw, &f.calendar, &format!("{path}.calendar"));
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
