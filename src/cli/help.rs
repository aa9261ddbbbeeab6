//! The examples under each command's `--help` (clap's `after_help`).

pub const MAIN: &str = "\
Examples:
  quire serve --demo                      try it with the example data on http://127.0.0.1:8080
  quire --config /etc/quire/reports.toml serve
  quire <command> --help                  each command's options and examples

Config: --config FILE, else $QUIRE_CONFIG, else ./reports.toml (none is fine). Any key can be set
from the environment as QUIRE_<SECTION>__<KEY>, e.g. QUIRE_SMTP__PASSWORD=...
Exit codes: 0 done, 2 bad usage or input (the message names it), 1 anything else.";

pub const SERVE: &str = "\
Examples:
  quire serve --demo
  quire serve --config /etc/quire/reports.toml --bind 0.0.0.0:8080
  QUIRE_SMTP__HOST=mail.example.com quire serve --log-json";

pub const IMPORT: &str = "\
Examples:
  quire import sales.csv --dataset sales
  quire import q3.xlsx --dataset orders --sheet 'Q3 orders' --mode append
  quire import ids.csv --dataset customers --type zip=text --type joined=date";

pub const RENDER: &str = "\
Examples:
  quire render \"Sales overview\" --format pdf --out sales.pdf
  quire render \"Sales overview\" --format xlsx --out sales.xlsx --param days=30
  quire render 38dcf9c6-2f65-5b43-923f-2ec2c05f122e --format csv --out orders.csv";

pub const SCHEDULES: &str = "\
Examples:
  quire schedules list
  quire schedules run b47f7812-3443-5d89-8f60-14f69784bcb1";

pub const USERS: &str = "\
Examples:
  echo 'a long password' | quire users add admin@example.com --role admin
  quire users list
  quire users set-role ana@example.com editor
  quire users disable ana@example.com
  quire users reset-password ana@example.com < new-password.txt";

pub const TOKENS: &str = "\
Examples:
  quire tokens create ana@example.com --name ci --role viewer --expires-days 90
  quire tokens list
  quire tokens revoke 5f0c6c1e-...

The token is printed once, alone on the last line: TOKEN=$(quire tokens create ana@example.com | tail -1)";

pub const BACKUP: &str = "\
Examples:
  quire backup /var/backups/quire-$(date +%F).db      (while the server runs)
  quire --data-dir /srv/quire-new restore /var/backups/quire-2026-11-30.db

The file holds all state, datasets and export files (--without-exports leaves the files out);
restore it into an empty data folder, then serve that. Exports whose file it does not hold are
listed as \"file missing: not in the backup, generate again\", with Retry.";

pub const SMTP: &str = "\
Examples:
  quire smtp test you@example.com
  QUIRE_SMTP__PASSWORD=... quire --config reports.toml smtp test you@example.com";

pub const CHECK_CONFIG: &str = "\
Examples:
  quire check-config --config reports.toml
  QUIRE_SERVER__BIND=0.0.0.0:9000 quire check-config";

pub const BUNDLE: &str = "\
Examples:
  quire bundle export \"Sales overview\" --out sales.quire.json --schedules
  quire bundle import sales.quire.json --dry-run    what it would create and the data it needs
  quire bundle import sales.quire.json              again later: updates the same objects";
