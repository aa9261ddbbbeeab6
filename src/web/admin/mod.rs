//! Administration pages: `/admin/users` and `/admin/audit` (admins only, by the route table).

pub mod audit;
pub mod users;
