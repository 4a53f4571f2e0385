//! Zed extension that starts the `se-lsp` language server.
//!
//! Zed only runs language servers that an extension declares, so this is the least needed:
//! find the binary (settings first, then PATH), and hand Zed the user's `lsp.se-lsp`
//! settings as initializationOptions and as the `seLsp` configuration section.

use zed_extension_api::{self as zed, serde_json, settings::LspSettings};

struct SeLsp;

impl SeLsp {
    fn settings(id: &zed::LanguageServerId, worktree: &zed::Worktree) -> Option<LspSettings> {
        LspSettings::for_worktree(id.as_ref(), worktree).ok()
    }
}

impl zed::Extension for SeLsp {
    fn new() -> Self {
        SeLsp
    }

    fn language_server_command(
        &mut self,
        id: &zed::LanguageServerId,
        worktree: &zed::Worktree,
    ) -> zed::Result<zed::Command> {
        let binary = Self::settings(id, worktree).and_then(|s| s.binary);
        let configured = binary.as_ref().and_then(|b| b.path.clone());
        let command = configured.or_else(|| worktree.which("se-lsp")).ok_or_else(|| {
            "se-lsp was not found on PATH. se-lsp is not on PyPI: in a checkout of se-lsp run \
             `pipx install .` (or `uv tool install .`), or set lsp.se-lsp.binary.path in \
             settings.json to an se-lsp executable"
                .to_string()
        })?;
        let args = binary.and_then(|b| b.arguments).unwrap_or_default();
        Ok(zed::Command {
            command,
            args,
            env: worktree.shell_env(),
        })
    }

    fn language_server_initialization_options(
        &mut self,
        id: &zed::LanguageServerId,
        worktree: &zed::Worktree,
    ) -> zed::Result<Option<serde_json::Value>> {
        let settings = Self::settings(id, worktree);
        let options = settings
            .as_ref()
            .and_then(|s| s.initialization_options.clone())
            .or_else(|| settings.and_then(|s| s.settings).map(|v| serde_json::json!({ "seLsp": v })));
        Ok(options)
    }

    fn language_server_workspace_configuration(
        &mut self,
        id: &zed::LanguageServerId,
        worktree: &zed::Worktree,
    ) -> zed::Result<Option<serde_json::Value>> {
        let settings = Self::settings(id, worktree)
            .and_then(|s| s.settings)
            .unwrap_or_else(|| serde_json::json!({}));
        // The server asks for the section "seLsp"; Zed looks the section up in this object.
        Ok(Some(serde_json::json!({ "seLsp": settings })))
    }
}

zed::register_extension!(SeLsp);
