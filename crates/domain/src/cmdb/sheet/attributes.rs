//! The 属性 cell of the CI sheet: a CI's type-specific attributes as text a person can type.
//!
//! ```text
//! cell   = "" | json-object | pair { sep pair }      empty pairs (`;;`, blank lines) are skipped
//! sep    = ";" | "；" | a line break
//! pair   = key "=" value
//! key    = quoted | text without "=", ";", "；" or a line break
//! value  = list | quoted | scalar
//! list   = "[" [ item { ("," | "，") item } ] "]"     items are always strings; empty ones skipped
//! item   = quoted | text without ",", "，", "]", ";", "；" or a line break
//! scalar = the text up to the next sep, trimmed:
//!            nothing                        → not set
//!            true / false (any case)        → boolean
//!            a number written as it prints  → number (`48`, `-3`, `2.5`, `1.0`; not `048`,
//!                                             `2.50`, `+3` or `1e3`, which stay text, so a
//!                                             version like `7.10` keeps its zero)
//!            anything else                  → string
//! quoted = a JSON string literal: `"00123"`, `"a;b"`, `"true"`, `"第一行\n第二行"`
//! ```
//!
//! Spaces around keys, values and items are ignored. A cell whose first character is `{` is read
//! as a JSON object instead (`{"firmware": "V200R021C10", "ports": 48}`).
//!
//! Example: `firmware=V200R021C10; ports=48; vlans=[10, 20, 30]; stacked=true`.

use serde_json::{Map, Number, Value};

fn is_sep(c: char) -> bool {
    matches!(c, ';' | '；' | '\n' | '\r')
}

fn is_space(c: char) -> bool {
    c.is_whitespace() && !is_sep(c)
}

fn is_item_end(c: char) -> bool {
    matches!(c, ',' | '，' | ']') || is_sep(c)
}

/// Parses a 属性 cell; the error is the Chinese reason.
pub(super) fn parse(cell: &str) -> Result<Map<String, Value>, String> {
    let cell = cell.trim();
    if cell.starts_with('{') {
        return serde_json::from_str(cell).map_err(|e| {
            format!("按 JSON 对象解析失败（第 {} 行第 {} 个字符附近），或改写成 名称=值; 名称=值", e.line(), e.column())
        });
    }
    let mut p = Parser { s: cell, i: 0 };
    let mut out = Map::new();
    loop {
        p.skip(|c| c.is_whitespace() || is_sep(c));
        if p.peek().is_none() {
            return Ok(out);
        }
        let key = p.key()?;
        p.skip(is_space);
        let value = match p.peek() {
            Some('[') => p.list(&key)?,
            Some('"') => Value::String(p.quoted()?),
            _ => scalar(p.take_while(|c| !is_sep(c)).trim()),
        };
        p.skip(is_space);
        if p.peek().is_some_and(|c| !is_sep(c)) {
            let rest: String = p.rest().chars().take_while(|c| !is_sep(*c)).collect();
            return Err(format!("属性 {key} 的值后多出“{}”（多个属性用分号分隔）", rest.trim()));
        }
        if out.contains_key(&key) {
            return Err(format!("属性 {key} 出现了两次"));
        }
        out.insert(key, value);
    }
}

/// The cell for `attributes`, in the form [`parse`] reads back to the same map: `key=value`
/// pairs joined by `; `, keys and strings quoted only where the plain form would read
/// differently.
pub(super) fn format(attributes: &Map<String, Value>) -> String {
    // By key, whatever order the map keeps (serde_json's `preserve_order` may be on in a build).
    let mut sorted: Vec<(&String, &Value)> = attributes.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let pairs: Vec<String> = sorted.into_iter().map(|(k, v)| format!("{}={}", key_text(k), value_text(v))).collect();
    pairs.join("; ")
}

fn quote(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

fn key_text(k: &str) -> String {
    let plain =
        !k.is_empty() && k.trim() == k && !k.starts_with(['"', '{']) && !k.chars().any(|c| c == '=' || is_sep(c));
    if plain { k.to_string() } else { quote(k) }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) if is_plain_scalar(s) => s.clone(),
        Value::String(s) => quote(s),
        Value::Array(items) => {
            let items: Vec<String> = items
                .iter()
                .map(|item| match item {
                    Value::String(s) if is_plain_item(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            format!("[{}]", items.join(", "))
        }
        // Null, booleans and numbers print as they parse; an object is not a valid attribute
        // value, and is written as JSON so that the error on re-import shows what it was.
        other => other.to_string(),
    }
}

fn is_plain_scalar(s: &str) -> bool {
    !s.is_empty()
        && s.trim() == s
        && !s.starts_with(['"', '['])
        && !s.chars().any(is_sep)
        && matches!(scalar(s), Value::String(_))
}

fn is_plain_item(s: &str) -> bool {
    !s.is_empty() && s.trim() == s && !s.starts_with('"') && !s.chars().any(is_item_end)
}

/// The typed value of an unquoted scalar (already trimmed).
fn scalar(t: &str) -> Value {
    if t.is_empty() {
        Value::Null
    } else if t.eq_ignore_ascii_case("true") {
        Value::Bool(true)
    } else if t.eq_ignore_ascii_case("false") {
        Value::Bool(false)
    } else {
        number(t).map_or_else(|| Value::String(t.to_string()), Value::Number)
    }
}

/// `t` as a number when it is written exactly as that number prints. Floats are parsed by the
/// standard library, which rounds correctly, so every printed float reads back to itself.
fn number(t: &str) -> Option<Number> {
    let n = if let Ok(i) = t.parse::<i64>() {
        Number::from(i)
    } else if let Ok(u) = t.parse::<u64>() {
        Number::from(u)
    } else {
        Number::from_f64(t.parse::<f64>().ok()?)?
    };
    (n.to_string() == t).then_some(n)
}

struct Parser<'a> {
    s: &'a str,
    i: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.s[self.i..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) {
        if let Some(c) = self.peek() {
            self.i += c.len_utf8();
        }
    }

    fn take_while(&mut self, f: impl Fn(char) -> bool) -> &str {
        let start = self.i;
        let len = self.rest().find(|c| !f(c)).unwrap_or(self.rest().len());
        self.i += len;
        &self.s[start..self.i]
    }

    fn skip(&mut self, f: impl Fn(char) -> bool) {
        self.take_while(f);
    }

    /// The key and the `=` after it.
    fn key(&mut self) -> Result<String, String> {
        let key = if self.peek() == Some('"') {
            let k = self.quoted()?;
            self.skip(is_space);
            if self.peek() != Some('=') {
                return Err(format!("属性名 {k} 后缺少“=”（应写成 名称=值）"));
            }
            k
        } else {
            let k = self.take_while(|c| c != '=' && !is_sep(c)).trim().to_string();
            if self.peek() != Some('=') {
                return Err(format!("“{k}”缺少“=”（属性应写成 名称=值，多个用分号分隔）"));
            }
            if k.is_empty() {
                return Err("“=”前缺少属性名".to_string());
            }
            k
        };
        self.bump();
        Ok(key)
    }

    /// A JSON string literal starting at the current `"`.
    fn quoted(&mut self) -> Result<String, String> {
        let rest = self.rest();
        let mut escaped = false;
        let end = rest.char_indices().skip(1).find(|&(_, c)| {
            let close = c == '"' && !escaped;
            escaped = c == '\\' && !escaped;
            close
        });
        let Some((end, _)) = end else {
            return Err(format!("引号没有闭合：{rest}"));
        };
        let literal = &rest[..=end];
        let s = serde_json::from_str::<String>(literal)
            .map_err(|_| format!("引号中的内容不是有效的字符串：{literal}（反斜杠须写成 \\\\）"))?;
        self.i += end + 1;
        Ok(s)
    }

    /// A `[…]` list of strings starting at the current `[`.
    fn list(&mut self, key: &str) -> Result<Value, String> {
        self.bump();
        let mut items = Vec::new();
        loop {
            self.skip(is_space);
            match self.peek() {
                Some(']') => {
                    self.bump();
                    return Ok(Value::Array(items));
                }
                Some(',' | '，') => {
                    self.bump();
                    continue;
                }
                Some('"') => items.push(Value::String(self.quoted()?)),
                Some(c) if !is_sep(c) => {
                    let item = self.take_while(|c| !is_item_end(c)).trim();
                    if !item.is_empty() {
                        items.push(Value::String(item.to_string()));
                    }
                }
                _ => return Err(format!("属性 {key} 的列表缺少“]”")),
            }
            self.skip(is_space);
            match self.peek() {
                Some(',' | '，' | ']') => {}
                Some(c) if !is_sep(c) => {
                    return Err(format!("属性 {key} 的列表中，引号后应是逗号或“]”"));
                }
                _ => return Err(format!("属性 {key} 的列表缺少“]”")),
            }
        }
    }
}
