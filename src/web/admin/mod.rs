//! Administration pages: `/admin/users`, `/admin/access` and `/admin/audit` (admins only, by
//! the route table).

pub mod access;
pub mod audit;
pub mod users;
pub mod view_as;
