//! Checking a template as written (by a client or a built-in file) and giving its items keys.

use std::collections::BTreeSet;

use serde::Deserialize;

use super::{Item, Period, ResultKind, Template};
use crate::error::ValidationErrors;

/// A template as written (by a client or a built-in file): item keys are assigned on validation.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateInput {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub cycle: Option<String>,
    #[serde(default)]
    pub header: Vec<String>,
    #[serde(default)]
    pub ci_types: Vec<String>,
    pub items: Vec<ItemInput>,
}

/// An item as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemInput {
    /// Required, except in a built-in file where the section holds its items.
    #[serde(default)]
    pub section: String,
    pub name: String,
    #[serde(default)]
    pub standard: Option<String>,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub result: Option<String>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub cycle: Option<String>,
    #[serde(default)]
    pub incident: Option<String>,
}

/// Items a template may hold at most.
pub const MAX_ITEMS: usize = 500;

fn clean(v: &mut ValidationErrors, field: &str, s: &str, max: usize, required: bool) -> String {
    let t = s.trim();
    if required && t.is_empty() {
        v.push(field, "不能为空");
    } else if t.chars().count() > max {
        v.push(field, format!("最多 {max} 个字符"));
    }
    t.to_owned()
}

fn clean_opt(v: &mut ValidationErrors, field: &str, s: &Option<String>, max: usize) -> Option<String> {
    s.as_deref().map(|s| clean(v, field, s, max, false)).filter(|s| !s.is_empty())
}

/// Checks a template as written and gives it item keys. `severities` are the severity codes an
/// automatic incident may name (the contract's); every problem is reported with its field path.
pub fn validate(input: &TemplateInput, severities: &[&str]) -> Result<Template, ValidationErrors> {
    let mut v = ValidationErrors::default();
    let code = input.code.trim().to_owned();
    if code.is_empty()
        || code.len() > 60
        || !code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
    {
        v.push("code", "须为 1–60 个小写字母、数字、“_”或“-”");
    }
    let name = clean(&mut v, "name", &input.name, 100, true);
    let title = clean_opt(&mut v, "title", &input.title, 200).unwrap_or_else(|| name.clone());
    let source = clean_opt(&mut v, "source", &input.source, 200).unwrap_or_default();
    let cycle = match input.cycle.as_deref().map(str::trim) {
        None | Some("") => Period::Quarter,
        Some(c) => Period::parse(c).unwrap_or_else(|| {
            v.push("cycle", format!("未知周期“{c}”，可选：{}", Period::ALL.map(Period::code).join(", ")));
            Period::Quarter
        }),
    };
    if input.header.len() > 20 {
        v.push("header", "表头最多 20 项");
    }
    let header: Vec<String> =
        input.header.iter().enumerate().map(|(i, h)| clean(&mut v, &format!("header[{i}]"), h, 50, true)).collect();
    let mut ci_types = Vec::new();
    for (i, t) in input.ci_types.iter().enumerate() {
        match crate::cmdb::CiType::parse(t) {
            Ok(t) => ci_types.push(t.code.to_owned()),
            Err(e) => v.push(format!("ci_types[{i}]"), e.to_string()),
        }
    }
    if input.items.is_empty() {
        v.push("items", "至少要有一个巡检项目");
    } else if input.items.len() > MAX_ITEMS {
        v.push("items", format!("最多 {MAX_ITEMS} 个巡检项目"));
    }
    let mut sections: Vec<String> = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    let mut items = Vec::with_capacity(input.items.len());
    let mut seen = BTreeSet::new();
    for (i, it) in input.items.iter().enumerate() {
        let f = |k: &str| format!("items[{i}].{k}");
        let section = clean(&mut v, &f("section"), &it.section, 50, true);
        let name = clean(&mut v, &f("name"), &it.name, 200, true);
        if !seen.insert((section.clone(), name.clone())) && !name.is_empty() {
            v.push(f("name"), format!("“{section}”中已有“{name}”"));
        }
        let s = match sections.iter().position(|s| *s == section) {
            // Items of one section stay together, so the printed form has one block per section.
            Some(p) if p + 1 == sections.len() => p,
            Some(_) => {
                v.push(f("section"), format!("“{section}”的项目须连在一起"));
                sections.len() - 1
            }
            None => {
                sections.push(section.clone());
                counts.push(0);
                sections.len() - 1
            }
        };
        counts[s] += 1;
        let result = match it.result.as_deref().map(str::trim) {
            None | Some("") => ResultKind::OkAbnormal,
            Some(r) => ResultKind::parse(r).unwrap_or_else(|| {
                v.push(
                    f("result"),
                    format!("未知结果类型“{r}”，可选：{}", ResultKind::ALL.map(ResultKind::code).join(", ")),
                );
                ResultKind::OkAbnormal
            }),
        };
        let unit = clean_opt(&mut v, &f("unit"), &it.unit, 20);
        if result != ResultKind::Number && (it.unit.is_some() || it.min.is_some() || it.max.is_some()) {
            v.push(f("result"), "只有数值项目才有单位和正常范围");
        }
        for (k, x) in [("min", it.min), ("max", it.max)] {
            if x.is_some_and(|x| !x.is_finite()) {
                v.push(f(k), "须为有限的数");
            }
        }
        if let (Some(lo), Some(hi)) = (it.min, it.max)
            && lo > hi
        {
            v.push(f("min"), format!("下限 {lo} 大于上限 {hi}"));
        }
        let cycle = it.cycle.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(|c| {
            Period::parse(c).unwrap_or_else(|| {
                v.push(f("cycle"), format!("未知周期“{c}”"));
                cycle
            })
        });
        let incident = it.incident.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        if let Some(sev) = &incident
            && !severities.contains(&sev.as_str())
        {
            v.push(f("incident"), format!("合同中没有级别“{sev}”，可选：{}", severities.join(", ")));
        }
        items.push(Item {
            key: format!("{}.{}", s + 1, counts[s]),
            section,
            name,
            standard: clean_opt(&mut v, &f("standard"), &it.standard, 500),
            method: clean_opt(&mut v, &f("method"), &it.method, 500),
            result,
            unit,
            min: it.min,
            max: it.max,
            cycle,
            incident,
        });
    }
    v.into_result()?;
    Ok(Template { code, name, title, source, cycle, header, ci_types, items })
}
