//! The one gate every request passes. Its policy for now is "allow"; the auth issue fills it in
//! here without touching handlers, which read the `Principal` it leaves on the request.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};

/// Who is making a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// No login yet: every request is anonymous and allowed.
    Anonymous,
}

/// Middleware: decides whether the request may proceed and records who made it.
pub async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    req.extensions_mut().insert(Principal::Anonymous);
    next.call(req).await
}
