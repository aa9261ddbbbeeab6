//! An expression tree typed and written as SQL in one pass.

use super::parse::{parse, Expr, Node, Op, Span};
use super::{ExprError, AGGREGATES, ROW_FUNCTIONS};

mod aggregate;
use crate::data::query::ParamValue;
use crate::report::builder::fields::is_date;
use crate::report::builder::fields::Column;
use crate::report::builder::filter::Binder;
use crate::report::builder::{shown, Dialect, FieldKind};

/// An expression compiled: its SQL (a value: booleans as the dialect stores them) and kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Compiled {
    pub sql: String,
    pub kind: FieldKind,
}

/// A calculated column: a row-level expression over `columns`.
pub(in crate::report::builder) fn column(
    b: &mut Binder,
    columns: &[Column],
    text: &str,
) -> Result<Compiled, ExprError> {
    let e = parse(text)?;
    let mut cx = Cx {
        b,
        columns,
        measure: false,
        only: None,
        in_agg: false,
        aggs: 0,
    };
    let t = cx.expr(&e)?;
    cx.finish(t, &e)
}

/// A calculated measure: an expression of aggregates over `columns`, each aggregate over the
/// rows where `only` holds when given (the periods of a compare).
pub(in crate::report::builder) fn measure(
    b: &mut Binder,
    columns: &[Column],
    text: &str,
    only: Option<&str>,
) -> Result<Compiled, ExprError> {
    let e = parse(text)?;
    let mut cx = Cx {
        b,
        columns,
        measure: true,
        only,
        in_agg: false,
        aggs: 0,
    };
    let t = cx.expr(&e)?;
    if cx.aggs == 0 {
        return Err(err(
            e.span,
            "a measure adds up rows: use sum(), count(), avg() or another aggregate",
        ));
    }
    cx.finish(t, &e)
}

fn err(span: Span, message: impl Into<String>) -> ExprError {
    ExprError {
        start: span.0,
        end: span.1.max(span.0 + 1),
        message: message.into(),
    }
}

/// A kind while typing: `Null` fits anywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum K {
    Number,
    Text,
    Date,
    Boolean,
    Null,
}

impl K {
    fn word(self) -> &'static str {
        match self {
            K::Number => "a number",
            K::Text => "text",
            K::Date => "a date",
            K::Boolean => "a condition (true or false)",
            K::Null => "empty (null)",
        }
    }

    fn of(kind: FieldKind) -> K {
        match kind {
            FieldKind::Number => K::Number,
            FieldKind::Text => K::Text,
            FieldKind::Date => K::Date,
            FieldKind::Boolean => K::Boolean,
        }
    }
}

/// A typed piece of SQL.
#[derive(Debug, Clone)]
struct T {
    sql: String,
    kind: K,
    /// A SQL predicate (a comparison, `and`…) rather than a stored boolean value.
    pred: bool,
    /// A whole number (counts, date parts, integer literals): written as text the same way by
    /// every engine.
    int: bool,
    /// A text literal's placeholder and whether its text is a date, so it can stand for a date.
    literal: Option<(String, bool)>,
}

impl T {
    fn new(sql: String, kind: K) -> T {
        T {
            sql,
            kind,
            pred: false,
            int: false,
            literal: None,
        }
    }
}

struct Cx<'a, 'b, 'p> {
    b: &'a mut Binder<'p>,
    columns: &'b [Column],
    measure: bool,
    only: Option<&'b str>,
    in_agg: bool,
    aggs: usize,
}

impl Cx<'_, '_, '_> {
    fn d(&self) -> Dialect {
        self.b.d
    }

    fn finish(&self, t: T, e: &Expr) -> Result<Compiled, ExprError> {
        let kind = match t.kind {
            K::Number => FieldKind::Number,
            K::Text => FieldKind::Text,
            K::Date => FieldKind::Date,
            K::Boolean => FieldKind::Boolean,
            K::Null => return Err(err(e.span, "this expression is always empty (null)")),
        };
        Ok(Compiled {
            sql: self.value(&t),
            kind,
        })
    }

    /// `t` as a stored value: a predicate becomes the dialect's boolean value.
    fn value(&self, t: &T) -> String {
        match (t.pred, self.d()) {
            (true, Dialect::Columnar) => format!("CAST({} AS BIGINT)", t.sql),
            _ => t.sql.clone(),
        }
    }

    /// `t` as a condition; it must be one.
    fn cond(&self, t: &T, e: &Expr) -> Result<String, ExprError> {
        match t.kind {
            K::Boolean | K::Null => Ok(match (t.pred, self.d()) {
                (false, Dialect::Columnar) if t.kind == K::Boolean => format!("({} <> 0)", t.sql),
                _ => t.sql.clone(),
            }),
            k => Err(err(
                e.span,
                format!(
                    "this should be a condition (true or false); it is {}",
                    k.word()
                ),
            )),
        }
    }

    /// `t` as text (an integer or date written out; a date literal stays text).
    fn text(&self, t: &T, e: &Expr, what: &str) -> Result<String, ExprError> {
        match t.kind {
            K::Text | K::Null => Ok(t.sql.clone()),
            K::Date => Ok(self.d().as_text(&t.sql)),
            K::Number if t.int => Ok(self.d().as_text(&t.sql)),
            K::Number => Err(err(
                e.span,
                format!("{what} joins text; this is a number that may have decimals (round it or use a text column)"),
            )),
            K::Boolean => Err(err(e.span, format!("{what} joins text; this is a condition"))),
        }
    }

    /// `t` as a date: a date, or a text literal that is one.
    fn date(&self, t: T, e: &Expr, what: &str) -> Result<T, ExprError> {
        match (&t.kind, &t.literal) {
            (K::Date | K::Null, _) => Ok(t),
            (K::Text, Some((p, true))) => Ok(T::new(self.date_literal(p), K::Date)),
            (k, _) => Err(err(
                e.span,
                format!("{what} needs a date; this is {}", k.word()),
            )),
        }
    }

    fn date_literal(&self, placeholder: &str) -> String {
        match self.d() {
            Dialect::Postgres => format!("CAST({placeholder} AS date)"),
            _ => placeholder.to_string(),
        }
    }

    fn number(&self, t: &T, e: &Expr, what: &str) -> Result<(), ExprError> {
        match t.kind {
            K::Number | K::Null => Ok(()),
            k => Err(err(
                e.span,
                format!("{what} needs a number; this is {}", k.word()),
            )),
        }
    }

    fn expr(&mut self, e: &Expr) -> Result<T, ExprError> {
        match &e.node {
            Node::Int(n) => {
                let mut t = T::new(
                    match *n < 0 {
                        true => format!("({n})"),
                        false => n.to_string(),
                    },
                    K::Number,
                );
                t.int = true;
                Ok(t)
            }
            Node::Real(f) => Ok(T::new(
                match *f < 0.0 {
                    true => format!("({f:?})"),
                    false => format!("{f:?}"),
                },
                K::Number,
            )),
            Node::Text(s) => {
                let p = self.b.literal(ParamValue::Text(s.clone()));
                let sql = match self.d() {
                    Dialect::Postgres => format!("CAST({p} AS text)"),
                    _ => p.clone(),
                };
                let mut t = T::new(sql, K::Text);
                t.literal = Some((p, is_date(s)));
                Ok(t)
            }
            Node::Bool(v) => Ok(T::new(
                match (self.d(), v) {
                    (Dialect::Postgres, true) => "TRUE".into(),
                    (Dialect::Postgres, false) => "FALSE".into(),
                    (_, v) => (*v as i64).to_string(),
                },
                K::Boolean,
            )),
            Node::Null => Ok(T::new("NULL".into(), K::Null)),
            Node::Name(name) => self.name(name, e.span),
            Node::Neg(x) => {
                let t = self.expr(x)?;
                self.number(&t, x, "`-`")?;
                let int = t.int;
                let mut out = T::new(format!("(- {})", t.sql), K::Number);
                out.int = int;
                Ok(out)
            }
            Node::Not(x) => {
                let t = self.expr(x)?;
                let c = self.cond(&t, x)?;
                let mut out = T::new(format!("(NOT {c})"), K::Boolean);
                out.pred = true;
                Ok(out)
            }
            Node::Binary(op, l, r) => self.binary(*op, l, r),
            Node::Call(f, args) => self.call(f, args, e.span),
        }
    }

    fn name(&mut self, name: &str, span: Span) -> Result<T, ExprError> {
        let Some(c) = self.columns.iter().find(|c| c.field.name == name) else {
            let known: Vec<&str> = self.columns.iter().map(|c| c.field.name.as_str()).collect();
            let hint = match name.to_ascii_lowercase() {
                n if ROW_FUNCTIONS.contains(&n.as_str()) || AGGREGATES.contains(&n.as_str()) => {
                    format!("; `{n}` is a function: write {n}(…)")
                }
                _ => format!(
                    " (there are {}); text goes in quotes: \"{}\"",
                    known.join(", "),
                    shown(name)
                ),
            };
            return Err(err(
                span,
                format!("no field named `{}`{}", shown(name), shown_list(&hint)),
            ));
        };
        if self.measure && !self.in_agg {
            return Err(err(
                span,
                format!(
                    "`{0}` changes from row to row: put it inside an aggregate, as in sum({0})",
                    shown(name)
                ),
            ));
        }
        let mut t = T::new(c.sql.clone(), K::of(c.field.kind));
        // A column is a stored value; a calculated condition is stored as one too.
        t.pred = false;
        Ok(t)
    }

    fn binary(&mut self, op: Op, l: &Expr, r: &Expr) -> Result<T, ExprError> {
        let a = self.expr(l)?;
        let b = self.expr(r)?;
        let d = self.d();
        match op {
            Op::And | Op::Or => {
                let (x, y) = (self.cond(&a, l)?, self.cond(&b, r)?);
                let mut t = T::new(format!("({x} {} {y})", op.symbol()), K::Boolean);
                t.pred = true;
                Ok(t)
            }
            Op::Add | Op::Sub | Op::Mul | Op::Div => {
                let what = format!("`{}`", op.symbol());
                self.number(&a, l, &what)?;
                self.number(&b, r, &what)?;
                let mut t = match op {
                    Op::Div => T::new(
                        format!("({} / NULLIF({}, 0))", d.real(&a.sql), b.sql),
                        K::Number,
                    ),
                    _ => T::new(format!("({} {} {})", a.sql, op.symbol(), b.sql), K::Number),
                };
                t.int = op != Op::Div && a.int && b.int;
                Ok(t)
            }
            _ => {
                // `x = null` asks whether x is empty.
                if matches!(op, Op::Eq | Op::Ne) && (a.kind == K::Null || b.kind == K::Null) {
                    let (x, xe) = if a.kind == K::Null { (&b, r) } else { (&a, l) };
                    let not = if op == Op::Ne { "NOT " } else { "" };
                    let v = match x.kind {
                        K::Boolean => self.cond(x, xe)?,
                        _ => x.sql.clone(),
                    };
                    let mut t = T::new(format!("({v} IS {not}NULL)"), K::Boolean);
                    t.pred = true;
                    return Ok(t);
                }
                let (a, b) = match (a.kind, b.kind) {
                    (K::Date, K::Text) => (a, self.date(b, r, "a comparison with a date")?),
                    (K::Text, K::Date) => (self.date(a, l, "a comparison with a date")?, b),
                    _ => (a, b),
                };
                if a.kind != b.kind {
                    return Err(err(
                        (l.span.0, r.span.1),
                        format!(
                            "`{}` compares values of one kind; the left is {} and the right {}",
                            op.symbol(),
                            a.kind.word(),
                            b.kind.word()
                        ),
                    ));
                }
                let mut t = T::new(
                    format!("({} {} {})", self.value(&a), op.symbol(), self.value(&b)),
                    K::Boolean,
                );
                t.pred = true;
                Ok(t)
            }
        }
    }

    /// The one kind of several branches; a text literal that is a date joins dates.
    fn unify(&self, ts: Vec<(T, &Expr)>, what: &str) -> Result<(Vec<String>, K, bool), ExprError> {
        let kind = ts
            .iter()
            .map(|(t, _)| t.kind)
            .find(|k| *k != K::Null && *k != K::Text)
            .or_else(|| ts.iter().map(|(t, _)| t.kind).find(|k| *k != K::Null))
            .unwrap_or(K::Null);
        let int = ts.iter().all(|(t, _)| t.int || t.kind == K::Null);
        let mut out = Vec::with_capacity(ts.len());
        for (t, e) in ts {
            let t = match (kind, t.kind) {
                (K::Date, K::Text) => self.date(t, e, what)?,
                _ => t,
            };
            if t.kind != kind && t.kind != K::Null {
                return Err(err(
                    e.span,
                    format!(
                        "{what} gives one kind of value; this is {}, another is {}",
                        t.kind.word(),
                        kind.word()
                    ),
                ));
            }
            // Numbers of several branches are reals unless all are whole: SQLite would
            // otherwise give an integer on some rows where the others give a real on all.
            out.push(match (kind, int, t.kind) {
                (K::Number, false, K::Number) => self.d().real(&t.sql),
                _ => self.value(&t),
            });
        }
        Ok((out, kind, int))
    }

    fn call(&mut self, f: &str, args: &[Expr], span: Span) -> Result<T, ExprError> {
        let arity = |min: usize, max: usize, usage: &str| match (min..=max).contains(&args.len()) {
            true => Ok(()),
            false => Err(err(span, format!("write it as {usage}"))),
        };
        if AGGREGATES.contains(&f) {
            return self.aggregate(f, args, span);
        }
        match f {
            "if" => {
                arity(3, 3, "if(condition, then, else)")?;
                let c = self.expr(&args[0])?;
                let c = self.cond(&c, &args[0])?;
                let a = self.expr(&args[1])?;
                let b = self.expr(&args[2])?;
                let (v, kind, int) = self.unify(vec![(a, &args[1]), (b, &args[2])], "if")?;
                let mut t = T::new(
                    format!("CASE WHEN {c} THEN {} ELSE {} END", v[0], v[1]),
                    kind,
                );
                t.int = int;
                Ok(t)
            }
            "case" => {
                arity(2, 101, "case(condition, value, …, otherwise)")?;
                let mut whens = Vec::new();
                let mut values = Vec::new();
                for pair in args.chunks(2) {
                    match pair {
                        [c, v] => {
                            let t = self.expr(c)?;
                            whens.push(self.cond(&t, c)?);
                            values.push((self.expr(v)?, v));
                        }
                        [otherwise] => values.push((self.expr(otherwise)?, otherwise)),
                        _ => unreachable!("chunks of two"),
                    }
                }
                let (v, kind, int) = self.unify(values, "case")?;
                let mut sql = String::from("CASE");
                for (c, v) in whens.iter().zip(&v) {
                    sql.push_str(&format!(" WHEN {c} THEN {v}"));
                }
                if v.len() > whens.len() {
                    sql.push_str(&format!(" ELSE {}", v[whens.len()]));
                }
                sql.push_str(" END");
                let mut t = T::new(sql, kind);
                t.int = int;
                Ok(t)
            }
            "coalesce" => {
                arity(2, 100, "coalesce(value, fallback, …)")?;
                let mut ts = Vec::new();
                for a in args {
                    ts.push((self.expr(a)?, a));
                }
                let (v, kind, int) = self.unify(ts, "coalesce")?;
                let mut t = T::new(format!("coalesce({})", v.join(", ")), kind);
                t.int = int;
                Ok(t)
            }
            "concat" => {
                arity(1, 100, "concat(text, text, …)")?;
                let mut parts = Vec::new();
                for a in args {
                    let t = self.expr(a)?;
                    parts.push(format!("coalesce({}, '')", self.text(&t, a, "concat")?));
                }
                Ok(T::new(format!("({})", parts.join(" || ")), K::Text))
            }
            "lower" | "upper" | "trim" | "length" => {
                arity(1, 1, &format!("{f}(text)"))?;
                let t = self.expr(&args[0])?;
                let x = self.text(&t, &args[0], f)?;
                Ok(match f {
                    "length" => {
                        let mut t = T::new(
                            match self.d() {
                                Dialect::Columnar => format!("character_length({x})"),
                                _ => format!("length({x})"),
                            },
                            K::Number,
                        );
                        t.int = true;
                        t
                    }
                    // SQLite changes the case of ASCII letters only; so do the others here.
                    _ => T::new(
                        match f {
                            "lower" => self.d().ascii_case(&x, false),
                            "upper" => self.d().ascii_case(&x, true),
                            _ => format!("{f}({x})"),
                        },
                        K::Text,
                    ),
                })
            }
            "round" => {
                arity(1, 2, "round(number) or round(number, digits)")?;
                let t = self.expr(&args[0])?;
                self.number(&t, &args[0], "round")?;
                let digits = match args.get(1).map(|a| &a.node) {
                    None => 0,
                    Some(Node::Int(n)) if (0..=10).contains(n) => *n,
                    Some(_) => {
                        return Err(err(
                            args[1].span,
                            "round's digits are a whole number from 0 to 10",
                        ))
                    }
                };
                Ok(T::new(
                    match self.d() {
                        Dialect::Sqlite => format!("round({}, {digits})", t.sql),
                        Dialect::Postgres => format!(
                            "CAST(round(CAST({} AS numeric), {digits}) AS double precision)",
                            t.sql
                        ),
                        Dialect::Columnar => format!("round(CAST({} AS DOUBLE), {digits})", t.sql),
                    },
                    K::Number,
                ))
            }
            "abs" => {
                arity(1, 1, "abs(number)")?;
                let t = self.expr(&args[0])?;
                self.number(&t, &args[0], "abs")?;
                let mut out = T::new(format!("abs({})", t.sql), K::Number);
                out.int = t.int;
                Ok(out)
            }
            "year" | "quarter" | "month" | "day" => {
                arity(1, 1, &format!("{f}(date)"))?;
                let t = self.expr(&args[0])?;
                let t = self.date(t, &args[0], f)?;
                let mut out = T::new(self.d().date_part(f, &t.sql), K::Number);
                out.int = true;
                Ok(out)
            }
            other => Err(err(
                span,
                format!(
                    "no function named `{}` (there are {}; and in measures {})",
                    shown(other),
                    ROW_FUNCTIONS.join(", "),
                    AGGREGATES.join(", ")
                ),
            )),
        }
    }
}

/// A list in a hint, cut if long.
fn shown_list(hint: &str) -> String {
    match hint.chars().count() > 300 {
        true => format!("{}…)", hint.chars().take(300).collect::<String>()),
        false => hint.to_string(),
    }
}
