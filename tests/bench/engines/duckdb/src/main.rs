//! Prototype: DuckDB (bundled) on its own database file loaded from the sales CSV.
use duckdb::Connection;
use std::time::Instant;

fn hwm() -> String {
    std::fs::read_to_string("/proc/self/status").unwrap().lines()
        .filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS")).collect::<Vec<_>>().join(" ")
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let (csv, db, threads) = (&a[1], &a[2], a.get(3).map(|s| s.parse::<usize>().unwrap()).unwrap_or(2));
    let fresh = !std::path::Path::new(db).exists();
    let open = || {
        let c = Connection::open(db).unwrap();
        c.execute_batch(&format!("SET threads={threads}; SET memory_limit='256MB';")).unwrap();
        c
    };
    if fresh {
        let t = Instant::now();
        let c = open();
        c.execute_batch(&format!("CREATE TABLE sales AS SELECT * FROM read_csv('{csv}')")).unwrap();
        drop(c);
        println!("import {:.3}s {}", t.elapsed().as_secs_f64(), hwm());
    }
    for line in std::fs::read_to_string(&a[4]).unwrap().lines() {
        let (name, sql) = line.split_once('|').unwrap();
        let mut times = vec![];
        for _ in 0..5 {
            let t = Instant::now();
            let c = open();
            let mut st = c.prepare(sql).unwrap();
            let mut rows = st.query([]).unwrap();
            let mut n = 0;
            while let Some(_r) = rows.next().unwrap() { n += 1; }
            times.push((t.elapsed().as_secs_f64() * 1000.0, n));
        }
        let ms: Vec<String> = times.iter().map(|(t, _)| format!("{t:.1}")).collect();
        println!("{name}: rows {} ms [{}] {}", times[0].1, ms.join(", "), hwm());
    }
}
