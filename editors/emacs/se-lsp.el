;;; se-lsp.el --- se-lsp (performance review for Rust, C/C++, Go) through eglot  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1") (eglot "1.9"))
;; Keywords: languages, tools

;;; Commentary:

;; Registers the se-lsp language server with eglot for Rust, C, C++ and Go buffers
;; (classic and tree-sitter modes), sends the `seLsp' settings both as
;; initializationOptions and in answer to workspace/configuration, and adds
;; `se-lsp-optimize', which asks the server's agent to review the region.
;;
;;   (require 'se-lsp)
;;   (setq se-lsp-settings '(:agent (:baseUrl "http://127.0.0.1:8080/v1" :model "m")))
;;   (add-hook 'rust-mode-hook #'eglot-ensure)   ; and c++-mode-hook, go-mode-hook ...

;;; Code:

(require 'eglot)
(require 'cl-lib)

(defgroup se-lsp nil
  "The se-lsp performance reviewer."
  :group 'eglot
  :prefix "se-lsp-")

(defcustom se-lsp-program '("se-lsp")
  "Command line that starts the server on stdio: program and arguments."
  :type '(repeat string))

(defcustom se-lsp-settings nil
  "The `seLsp' settings as a plist.
For example (:builtin (:debounceMs 200) :agent (:model \"m\")).  Sent as
initializationOptions and returned for the workspace/configuration
section `seLsp'."
  :type 'plist)

(defcustom se-lsp-agent "systems-engineer"
  "The agent `se-lsp-optimize' asks when called without a prefix argument."
  :type 'string)

(defcustom se-lsp-major-modes
  '(rust-mode rust-ts-mode c-mode c-ts-mode c++-mode c++-ts-mode go-mode go-ts-mode)
  "Major modes whose buffers se-lsp serves.
One server per project serves all of them."
  :type '(repeat symbol))

(defun se-lsp--contact (&optional _interactive)
  "The eglot contact: the program plus initializationOptions.
The options are computed when eglot connects, so they follow `se-lsp-settings'."
  (append se-lsp-program
          (list :initializationOptions
                (lambda (_server) (list :seLsp (or se-lsp-settings eglot--{}))))))

(defun se-lsp--with-section (config)
  "CONFIG, eglot's workspace configuration plist, with a `:seLsp' section."
  (if (plist-member config :seLsp)
      config
    (append config (list :seLsp (or se-lsp-settings eglot--{})))))

(defun se-lsp-workspace-configuration (server)
  "Value for `eglot-workspace-configuration' with a `:seLsp' section.
The user's own sections for SERVER are kept.  A function, so later
changes to `se-lsp-settings' are seen by the server."
  (let ((previous (get 'se-lsp-workspace-configuration 'se-lsp-previous)))
    (se-lsp--with-section
     (if (functionp previous) (funcall previous server) previous))))

;;;###autoload
(defun se-lsp-setup ()
  "Register se-lsp with eglot.  Safe to call more than once."
  (interactive)
  (setq eglot-server-programs
        (cl-remove-if (lambda (entry) (eq (cdr entry) #'se-lsp--contact)) eglot-server-programs))
  (push (cons se-lsp-major-modes #'se-lsp--contact) eglot-server-programs)
  (let ((current (default-value 'eglot-workspace-configuration)))
    (unless (eq current #'se-lsp-workspace-configuration)
      (put 'se-lsp-workspace-configuration 'se-lsp-previous current)
      (setq-default eglot-workspace-configuration #'se-lsp-workspace-configuration))))

;;;###autoload
(defun se-lsp-optimize (beg end &optional agent)
  "Ask the se-lsp agent AGENT to review the region BEG..END.
Findings arrive later as diagnostics whose source is the agent's name.
With a prefix argument, ask for the agent's name."
  (interactive
   (list (if (use-region-p) (region-beginning) (line-beginning-position))
         (if (use-region-p) (region-end) (line-end-position))
         (if current-prefix-arg (read-string "Agent: " nil nil se-lsp-agent) se-lsp-agent)))
  (let ((server (eglot--current-server-or-lose))
        (arg (list :uri (eglot--path-to-uri (buffer-file-name))
                   :range (list :start (eglot--pos-to-lsp-position beg)
                                :end (eglot--pos-to-lsp-position end))
                   :agent (or agent se-lsp-agent))))
    ;; Unsaved edits must reach the server before it reads the range.
    (eglot--signal-textDocument/didChange)
    (jsonrpc-async-request
     server :workspace/executeCommand
     (list :command "se-lsp.optimize" :arguments (vector arg))
     :success-fn (lambda (_result) (message "se-lsp: review requested"))
     :error-fn (lambda (err) (message "se-lsp: optimize failed: %s" (plist-get err :message))))
    arg))

(se-lsp-setup)

(provide 'se-lsp)
;;; se-lsp.el ends here
