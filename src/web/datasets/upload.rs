//! Receiving a dataset upload (multipart: `file`, `name`, `mode`, `sheet`): streamed to a
//! temporary file under the data folder with the size limit enforced as it arrives.

use crate::app::dataset::{self};
use crate::app::Ctx;
use crate::data::import::{DatasetName, Input, Mode, Options};
use crate::model::dataset::DatasetInfo;
use crate::web::error::Problem;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::web;
use futures_util::StreamExt;
use std::io::Write;
use std::path::PathBuf;

/// A received upload, its file on disk removed when dropped.
pub struct Upload {
    pub name: String,
    pub file_name: String,
    pub mode: Mode,
    pub sheet: Option<String>,
    path: PathBuf,
}

impl Drop for Upload {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

const MAX_TEXT_FIELD: usize = 1024;

fn too_large(limit_mb: u64) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("file: larger than the {limit_mb} MB upload limit ([limits] upload_max_mb)"),
    )
}

/// Reads the multipart body; the file goes to disk, never wholly into memory.
pub async fn receive(
    ctx: &Ctx,
    req: &actix_web::HttpRequest,
    mut payload: Multipart,
) -> Result<Upload, Problem> {
    let limit_mb = ctx.config.limits.upload_max_mb;
    let limit = limit_mb * 1024 * 1024;
    // Refuse before reading when the client says up front that the body is too large.
    if let Some(len) = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
    {
        if len > limit + 64 * 1024 {
            return Err(too_large(limit_mb));
        }
    }
    let dir = ctx.config.storage.data_dir.join("uploads");
    std::fs::create_dir_all(&dir).map_err(Problem::internal)?;
    let path = dir.join(uuid::Uuid::new_v4().to_string());
    let mut upload = Upload {
        name: String::new(),
        file_name: String::new(),
        mode: Mode::Replace,
        sheet: None,
        path,
    };
    let mut got_file = false;
    let mut mode = None;
    while let Some(field) = payload.next().await {
        let mut field =
            field.map_err(|e| Problem::bad_request(format!("malformed upload: {e}")))?;
        let field_name = field.name().unwrap_or_default().to_string();
        if field_name == "file" {
            upload.file_name = field
                .content_disposition()
                .and_then(|cd| cd.get_filename())
                .map(|f| f.rsplit(['/', '\\']).next().unwrap_or(f).to_string())
                .filter(|f| !f.is_empty())
                .unwrap_or_else(|| "upload".into());
            let mut out = std::fs::File::create(&upload.path).map_err(Problem::internal)?;
            let mut size: u64 = 0;
            while let Some(chunk) = field.next().await {
                let chunk = chunk.map_err(|e| {
                    Problem::bad_request(format!("file: the upload broke off ({e})"))
                })?;
                size += chunk.len() as u64;
                if size > limit {
                    return Err(too_large(limit_mb));
                }
                let c = chunk.clone();
                out = web::block(move || out.write_all(&c).map(|_| out))
                    .await?
                    .map_err(Problem::internal)?;
            }
            got_file = true;
        } else {
            let mut text = Vec::new();
            while let Some(chunk) = field.next().await {
                let chunk =
                    chunk.map_err(|e| Problem::bad_request(format!("malformed upload: {e}")))?;
                text.extend_from_slice(&chunk);
                if text.len() > MAX_TEXT_FIELD {
                    return Err(Problem::invalid(
                        field_name,
                        format!("longer than {MAX_TEXT_FIELD} bytes"),
                    ));
                }
            }
            let text = String::from_utf8(text)
                .map_err(|_| Problem::invalid(field_name.clone(), "not UTF-8 text"))?;
            match field_name.as_str() {
                "name" => upload.name = text.trim().to_string(),
                "mode" => mode = Some(text),
                "sheet" => upload.sheet = Some(text).filter(|s| !s.trim().is_empty()),
                other => {
                    return Err(Problem::invalid(
                        other,
                        format!("unknown field `{other}` (use file, name, mode, sheet)"),
                    ))
                }
            }
        }
    }
    if !got_file {
        return Err(Problem::invalid("file", "no file in the upload"));
    }
    if let Some(m) = mode.filter(|m| !m.trim().is_empty()) {
        upload.mode = Mode::parse(&m)
            .ok_or_else(|| Problem::invalid("mode", format!("`{m}` is not replace or append")))?;
    }
    if upload.name.is_empty() {
        // Default: the file name without extension, made an identifier.
        let stem = upload
            .file_name
            .rsplit_once('.')
            .map(|(s, _)| s)
            .unwrap_or(&upload.file_name);
        upload.name = crate::data::import::identifiers(&[stem.to_string()])[0].clone();
    }
    Ok(upload)
}

/// Imports a received upload.
pub async fn import(ctx: &Ctx, upload: Upload) -> Result<DatasetInfo, Problem> {
    let name =
        DatasetName::parse(&upload.name).map_err(|e| Problem::invalid("name", e.to_string()))?;
    let store = ctx.store.clone();
    let info = web::block(move || {
        let opts = Options {
            mode: upload.mode,
            sheet: upload.sheet.clone(),
            ..Default::default()
        };
        let input = Input::Path(upload.path.clone());
        let info = dataset::import(
            &store,
            &name,
            &upload.file_name,
            &input,
            &opts,
            false,
            &|_| {},
        );
        drop(upload);
        info
    })
    .await?
    .map(|o| o.expect("not skipped"))
    .map_err(super::problem)?;
    crate::app::dashboard::warm::in_background(ctx.clone(), info.name.clone());
    Ok(info)
}
