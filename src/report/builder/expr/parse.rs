//! Expression text to a tree: a lexer and a precedence-climbing parser. Positions are character
//! offsets into the text, so an error can point at what it names.
//!
//! ```text
//! or      := and ("or" and)*
//! and     := not ("and" not)*
//! not     := "not" not | compare
//! compare := sum (("=" | "!=" | "<>" | "<" | "<=" | ">" | ">=") sum)?
//! sum     := product (("+" | "-") product)*
//! product := unary (("*" | "/") unary)*
//! unary   := "-" unary | atom
//! atom    := number | "text" | 'text' | true | false | null | name | [any name]
//!          | name "(" (or ("," or)*)? ")" | "(" or ")"
//! ```

use super::ExprError;

/// Longest expression, in characters.
pub const MAX_CHARS: usize = 2_000;
/// Deepest nesting of parentheses, calls and operators.
const MAX_DEPTH: usize = 48;

/// Where a node is in the text: `[start, end)` in characters.
pub type Span = (usize, usize);

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub node: Node,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Int(i64),
    Real(f64),
    Text(String),
    Bool(bool),
    Null,
    /// A field or calculated column.
    Name(String),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Binary(Op, Box<Expr>, Box<Expr>),
    /// A function, its name in lower case.
    Call(String, Vec<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl Op {
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::Div => "/",
            Op::Eq => "=",
            Op::Ne => "<>",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::And => "AND",
            Op::Or => "OR",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Int(i64),
    Real(f64),
    Text(String),
    Word(String),
    /// `[any name]`.
    Quoted(String),
    Punct(&'static str),
    End,
}

fn error(span: Span, message: impl Into<String>) -> ExprError {
    ExprError {
        start: span.0,
        end: span.1.max(span.0 + 1),
        message: message.into(),
    }
}

fn lex(text: &str) -> Result<Vec<(Tok, Span)>, ExprError> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() > MAX_CHARS {
        return Err(error(
            (MAX_CHARS, chars.len()),
            format!("longer than {MAX_CHARS} characters"),
        ));
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            if i < chars.len() && matches!(chars[i], 'e' | 'E') {
                let mut j = i + 1;
                if j < chars.len() && matches!(chars[j], '+' | '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    i = j;
                    while i < chars.len() && chars[i].is_ascii_digit() {
                        i += 1;
                    }
                }
            }
            let word: String = chars[start..i].iter().collect();
            if i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                return Err(error(
                    (start, i + 1),
                    format!("`{word}{}` is not a number", chars[i]),
                ));
            }
            let tok = match word.parse::<i64>() {
                Ok(n) => Tok::Int(n),
                Err(_) => match word.parse::<f64>() {
                    Ok(f) if f.is_finite() => Tok::Real(f),
                    Ok(_) => return Err(error((start, i), format!("`{word}` is too large"))),
                    Err(_) => return Err(error((start, i), format!("`{word}` is not a number"))),
                },
            };
            out.push((tok, (start, i)));
            continue;
        }
        if c == '"' || c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => {
                        return Err(error(
                            (start, chars.len()),
                            format!("this text has no closing {c}"),
                        ))
                    }
                    Some('\\') if matches!(chars.get(i + 1), Some('\\' | '"' | '\'')) => {
                        s.push(chars[i + 1]);
                        i += 2;
                    }
                    Some(&q) if q == c => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        s.push(ch);
                        i += 1;
                    }
                }
            }
            out.push((Tok::Text(s), (start, i)));
            continue;
        }
        if c == '[' {
            let close = chars[i + 1..].iter().position(|&x| x == ']');
            let Some(len) = close else {
                return Err(error((start, chars.len()), "this name has no closing ]"));
            };
            let name: String = chars[i + 1..i + 1 + len].iter().collect();
            i += len + 2;
            out.push((Tok::Quoted(name), (start, i)));
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            out.push((Tok::Word(word), (start, i)));
            continue;
        }
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let punct = ["<=", ">=", "<>", "!=", "=="]
            .into_iter()
            .find(|p| *p == two)
            .or_else(|| {
                ["(", ")", ",", "+", "-", "*", "/", "=", "<", ">"]
                    .into_iter()
                    .find(|p| p.starts_with(c))
            });
        match punct {
            Some(p) => {
                i += p.chars().count();
                out.push((Tok::Punct(p), (start, i)));
            }
            None => {
                let what = match c {
                    c if c.is_control() => format!("U+{:04X}", c as u32),
                    c => c.to_string(),
                };
                return Err(error((start, start + 1), format!("unexpected `{what}`")));
            }
        }
    }
    out.push((Tok::End, (chars.len(), chars.len())));
    Ok(out)
}

/// Parses `text` into one expression.
pub fn parse(text: &str) -> Result<Expr, ExprError> {
    let toks = lex(text)?;
    let mut p = Parser {
        toks,
        at: 0,
        depth: 0,
    };
    if p.peek() == &Tok::End {
        return Err(error((0, 0), "write an expression"));
    }
    let e = p.or()?;
    match p.peek() {
        Tok::End => Ok(e),
        _ => Err(error(p.span(), format!("unexpected {}", p.describe()))),
    }
}

struct Parser {
    toks: Vec<(Tok, Span)>,
    at: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.toks[self.at].0
    }

    fn span(&self) -> Span {
        self.toks[self.at].1
    }

    fn bump(&mut self) -> (Tok, Span) {
        let t = self.toks[self.at].clone();
        if self.at + 1 < self.toks.len() {
            self.at += 1;
        }
        t
    }

    fn describe(&self) -> String {
        match self.peek() {
            Tok::End => "end of the expression".into(),
            Tok::Int(n) => format!("`{n}`"),
            Tok::Real(f) => format!("`{f}`"),
            Tok::Text(_) => "text".into(),
            Tok::Word(w) => format!("`{}`", super::super::shown(w)),
            Tok::Quoted(w) => format!("`[{}]`", super::super::shown(w)),
            Tok::Punct(p) => format!("`{p}`"),
        }
    }

    fn word(&self, w: &str) -> bool {
        matches!(self.peek(), Tok::Word(x) if x.eq_ignore_ascii_case(w))
    }

    fn punct(&self, p: &str) -> bool {
        matches!(self.peek(), Tok::Punct(x) if *x == p)
    }

    fn deeper(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        match self.depth > MAX_DEPTH {
            true => Err(error(
                self.span(),
                format!("nested deeper than {MAX_DEPTH} levels"),
            )),
            false => Ok(()),
        }
    }

    fn binary(&mut self, op: Op, left: Expr, right: Expr) -> Expr {
        let span = (left.span.0, right.span.1);
        Expr {
            node: Node::Binary(op, Box::new(left), Box::new(right)),
            span,
        }
    }

    fn or(&mut self) -> Result<Expr, ExprError> {
        self.deeper()?;
        let mut e = self.and()?;
        while self.word("or") {
            self.bump();
            let r = self.and()?;
            e = self.binary(Op::Or, e, r);
        }
        self.depth -= 1;
        Ok(e)
    }

    fn and(&mut self) -> Result<Expr, ExprError> {
        let mut e = self.not()?;
        while self.word("and") {
            self.bump();
            let r = self.not()?;
            e = self.binary(Op::And, e, r);
        }
        Ok(e)
    }

    fn not(&mut self) -> Result<Expr, ExprError> {
        if self.word("not") {
            let (_, s) = self.bump();
            self.deeper()?;
            let inner = self.not()?;
            self.depth -= 1;
            let span = (s.0, inner.span.1);
            return Ok(Expr {
                node: Node::Not(Box::new(inner)),
                span,
            });
        }
        self.compare()
    }

    fn compare(&mut self) -> Result<Expr, ExprError> {
        let left = self.sum()?;
        let op = match self.peek() {
            Tok::Punct("=" | "==") => Op::Eq,
            Tok::Punct("!=" | "<>") => Op::Ne,
            Tok::Punct("<") => Op::Lt,
            Tok::Punct("<=") => Op::Le,
            Tok::Punct(">") => Op::Gt,
            Tok::Punct(">=") => Op::Ge,
            _ => return Ok(left),
        };
        self.bump();
        let right = self.sum()?;
        if matches!(
            self.peek(),
            Tok::Punct("=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">=")
        ) {
            return Err(error(
                self.span(),
                "comparisons do not chain: join them with `and`",
            ));
        }
        Ok(self.binary(op, left, right))
    }

    fn sum(&mut self) -> Result<Expr, ExprError> {
        let mut e = self.product()?;
        loop {
            let op = match self.peek() {
                Tok::Punct("+") => Op::Add,
                Tok::Punct("-") => Op::Sub,
                _ => return Ok(e),
            };
            self.bump();
            let r = self.product()?;
            e = self.binary(op, e, r);
        }
    }

    fn product(&mut self) -> Result<Expr, ExprError> {
        let mut e = self.unary()?;
        loop {
            let op = match self.peek() {
                Tok::Punct("*") => Op::Mul,
                Tok::Punct("/") => Op::Div,
                _ => return Ok(e),
            };
            self.bump();
            let r = self.unary()?;
            e = self.binary(op, e, r);
        }
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        if self.punct("-") {
            let (_, s) = self.bump();
            self.deeper()?;
            let inner = self.unary()?;
            self.depth -= 1;
            let span = (s.0, inner.span.1);
            return Ok(match inner.node {
                Node::Int(n) if n != i64::MIN => Expr {
                    node: Node::Int(-n),
                    span,
                },
                Node::Real(f) => Expr {
                    node: Node::Real(-f),
                    span,
                },
                _ => Expr {
                    node: Node::Neg(Box::new(inner)),
                    span,
                },
            });
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr, ExprError> {
        let (tok, span) = self.bump();
        let leaf = |node| Ok(Expr { node, span });
        match tok {
            Tok::Int(n) => leaf(Node::Int(n)),
            Tok::Real(f) => leaf(Node::Real(f)),
            Tok::Text(s) => leaf(Node::Text(s)),
            Tok::Quoted(name) => leaf(Node::Name(name)),
            Tok::Punct("(") => {
                self.deeper()?;
                let inner = self.or()?;
                self.depth -= 1;
                if !self.punct(")") {
                    return Err(error(
                        self.span(),
                        format!(
                            "expected `)` to close the `(` at {}, found {}",
                            span.0 + 1,
                            self.describe()
                        ),
                    ));
                }
                let (_, close) = self.bump();
                Ok(Expr {
                    node: inner.node,
                    span: (span.0, close.1),
                })
            }
            Tok::Word(w) if self.punct("(") => {
                self.bump();
                self.deeper()?;
                let mut args = Vec::new();
                if !self.punct(")") {
                    loop {
                        args.push(self.or()?);
                        if self.punct(",") {
                            self.bump();
                            continue;
                        }
                        break;
                    }
                }
                self.depth -= 1;
                if !self.punct(")") {
                    return Err(error(
                        self.span(),
                        format!("expected `,` or `)` in {w}(…), found {}", self.describe()),
                    ));
                }
                let (_, close) = self.bump();
                Ok(Expr {
                    node: Node::Call(w.to_ascii_lowercase(), args),
                    span: (span.0, close.1),
                })
            }
            Tok::Word(w) => match w.to_ascii_lowercase().as_str() {
                "true" => leaf(Node::Bool(true)),
                "false" => leaf(Node::Bool(false)),
                "null" => leaf(Node::Null),
                "and" | "or" | "not" => Err(error(
                    span,
                    format!("`{w}` needs a condition on its left and right"),
                )),
                _ => leaf(Node::Name(w)),
            },
            Tok::End => Err(error(span, "the expression ends too soon")),
            Tok::Punct(p) => Err(error(span, format!("unexpected `{p}`"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(e: &Expr) -> String {
        match &e.node {
            Node::Int(n) => n.to_string(),
            Node::Real(f) => format!("{f:?}"),
            Node::Text(s) => format!("{s:?}"),
            Node::Bool(b) => b.to_string(),
            Node::Null => "null".into(),
            Node::Name(n) => n.clone(),
            Node::Neg(x) => format!("(-{})", shape(x)),
            Node::Not(x) => format!("(not {})", shape(x)),
            Node::Binary(op, a, b) => format!("({} {} {})", shape(a), op.symbol(), shape(b)),
            Node::Call(f, args) => format!(
                "{f}({})",
                args.iter().map(shape).collect::<Vec<_>>().join(", ")
            ),
        }
    }

    #[test]
    fn precedence_and_associativity_follow_arithmetic_then_comparison_then_logic() {
        let cases = [
            ("revenue - cost * 2", "(revenue - (cost * 2))"),
            ("a - b - c", "((a - b) - c)"),
            ("a / b / c", "((a / b) / c)"),
            ("-a * b", "((-a) * b)"),
            ("- 3", "-3"),
            ("not a = 1 and b or c", "(((not (a = 1)) AND b) OR c)"),
            (
                "IF(units > 10, \"bulk\", 'retail')",
                "if((units > 10), \"bulk\", \"retail\")",
            ),
            (
                "[Order Date] >= \"2025-01-01\"",
                "(Order Date >= \"2025-01-01\")",
            ),
            ("products.cost", "products.cost"),
            ("count()", "count()"),
            ("1.5e3 + .5", "(1500.0 + 0.5)"),
            ("\"say \\\"hi\\\"\"", "\"say \\\"hi\\\"\""),
            ("a <> b", "(a <> b)"),
            ("a != b", "(a <> b)"),
        ];
        for (text, want) in cases {
            let e = parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            assert_eq!(shape(&e), want, "{text}");
        }
    }

    #[test]
    fn errors_point_at_what_they_name() {
        let cases: [(&str, usize, &str); 12] = [
            ("", 0, "write an expression"),
            ("revenue -", 9, "ends too soon"),
            ("sum(revenue", 11, "expected `,` or `)`"),
            ("(a + b", 6, "expected `)`"),
            ("a = b = c", 6, "do not chain"),
            ("\"open", 0, "no closing"),
            ("[open", 0, "no closing ]"),
            ("a ; drop", 2, "unexpected `;`"),
            ("a b", 2, "unexpected `b`"),
            ("12abc", 0, "is not a number"),
            ("1e999", 0, "too large"),
            ("and b", 0, "needs a condition"),
        ];
        for (text, at, words) in cases {
            let e = parse(text).expect_err(text);
            assert_eq!(e.start, at, "{text}: {e:?}");
            assert!(e.message.contains(words), "{text}: {e:?}");
            assert!(e.end > e.start, "{text}: {e:?}");
        }
    }

    #[test]
    fn hostile_input_is_refused_without_overflowing_the_stack() {
        let deep = format!("{}1{}", "(".repeat(900), ")".repeat(900));
        assert!(parse(&deep).unwrap_err().message.contains("nested deeper"));
        let negs = format!("{}1", "-".repeat(1_999));
        assert!(parse(&negs).is_err());
        let nots = format!("{}a", "not ".repeat(400));
        assert!(parse(&nots).is_err());
        let long = "a + ".repeat(600) + "a";
        assert!(parse(&long).unwrap_err().message.contains("longer than"));
        let ctrl = parse("a\u{0}b").unwrap_err();
        assert!(ctrl.message.contains("U+0000"), "{ctrl:?}");
        // A long flat sum is fine: depth counts nesting, not length.
        assert!(parse(&"a + ".repeat(400).trim_end_matches(" + ").to_string()).is_ok());
        assert!(parse("年 + 1").is_ok());
    }
}
