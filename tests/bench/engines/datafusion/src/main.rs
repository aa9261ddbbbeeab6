//! Prototype: DataFusion on a Parquet copy of the sales CSV.
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::*;
use std::sync::Arc;
use std::time::Instant;

fn hwm() -> String {
    std::fs::read_to_string("/proc/self/status").unwrap().lines()
        .filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS")).collect::<Vec<_>>().join(" ")
}

fn ctx(threads: usize, mem_mb: usize) -> SessionContext {
    let rt = RuntimeEnvBuilder::new()
        .with_memory_pool(Arc::new(FairSpillPool::new(mem_mb << 20)))
        .build_arc().unwrap();
    let cfg = SessionConfig::new().with_target_partitions(threads);
    SessionContext::new_with_config_rt(cfg, rt)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a: Vec<String> = std::env::args().collect();
    let (csv, pq, threads) = (&a[1], &a[2], a.get(3).map(|s| s.parse().unwrap()).unwrap_or(2));
    if !std::path::Path::new(pq).exists() {
        let t = Instant::now();
        let c = ctx(threads, 512);
        let df = c.read_csv(csv.as_str(), CsvReadOptions::new()).await.unwrap();
        df.write_parquet(pq, datafusion::dataframe::DataFrameWriteOptions::new().with_single_file_output(true), None).await.unwrap();
        println!("import {:.3}s {}", t.elapsed().as_secs_f64(), hwm());
    }
    for line in std::fs::read_to_string(&a[4]).unwrap().lines() {
        let (name, sql) = line.split_once('|').unwrap();
        let mut times = vec![];
        for _ in 0..5 {
            let t = Instant::now();
            let c = ctx(threads, 256);
            c.register_parquet("sales", pq.as_str(), ParquetReadOptions::default()).await.unwrap();
            let rows = c.sql(sql).await.unwrap().collect().await.unwrap();
            let n: usize = rows.iter().map(|b| b.num_rows()).sum();
            times.push((t.elapsed().as_secs_f64() * 1000.0, n));
        }
        let ms: Vec<String> = times.iter().map(|(t, _)| format!("{t:.1}")).collect();
        println!("{name}: rows {} ms [{}] {}", times[0].1, ms.join(", "), hwm());
    }
}
