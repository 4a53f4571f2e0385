;;; se-lsp.el --- se-lsp (performance review for Rust, C/C++, Go) through eglot  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1") (eglot "1.9"))
;; Keywords: languages, tools

;;; Commentary:

;; Registers the se-lsp language server with eglot for Rust, C, C++ and Go buffers
;; (classic and tree-sitter modes), sends the `seLsp' settings both as
;; initializationOptions and in answer to workspace/configuration, and adds
;; `se-lsp-optimize', which asks the server's agent to review the region.  Every review,
;; from that command or from the "Optimize selection" code action, ends with its outcome
;; in the echo area: the findings count (and what was dropped), or the error.
;;
;;   (require 'se-lsp)
;;   (setq se-lsp-settings '(:agent (:baseUrl "http://127.0.0.1:8080/v1" :model "m")))
;;   (add-hook 'rust-mode-hook #'eglot-ensure)   ; and c++-mode-hook, go-mode-hook ...
;;
;; Put endpoint settings in your own init file only: they decide where your code is
;; sent, so this package never marks them safe as directory-local variables.

;;; Code:

(require 'eglot)
(require 'cl-lib)

(defgroup se-lsp nil
  "The se-lsp performance reviewer."
  :group 'eglot
  :prefix "se-lsp-")

(defcustom se-lsp-program '("se-lsp")
  "Command line that starts the server on stdio: program and arguments.
What runs is your choice alone: risky as a directory-local variable."
  :type '(repeat string)
  :risky t)

(defcustom se-lsp-settings nil
  "The `seLsp' settings as a plist.
For example (:builtin (:debounceMs 200) :agent (:model \"m\")).  Sent as
initializationOptions and returned for the workspace/configuration
section `seLsp'.  They say where your code is sent: set them in your
own init file; as a directory-local variable they are risky."
  :type 'plist
  :risky t)

(defcustom se-lsp-agent "systems-engineer"
  "The agent `se-lsp-optimize' asks when called without a prefix argument."
  :type 'string)

(defcustom se-lsp-major-modes
  '(rust-mode rust-ts-mode c-mode c-ts-mode c++-mode c++-ts-mode go-mode go-ts-mode)
  "Major modes whose buffers se-lsp serves.
One server per project serves all of them."
  :type '(repeat symbol))

(defclass se-lsp-server (eglot-lsp-server) ()
  :documentation "The se-lsp server: reviews report their outcome.")

(defun se-lsp--contact (&optional _interactive)
  "The eglot contact: our server class, the program and initializationOptions.
The options are computed when eglot connects, so they follow `se-lsp-settings'."
  (cons 'se-lsp-server
        (append se-lsp-program
                (list :initializationOptions
                      (lambda (_server) (list :seLsp (or se-lsp-settings eglot--{})))))))

(cl-defmethod eglot-client-capabilities ((_server se-lsp-server))
  "Eglot's capabilities, plus window/showMessageRequest, which eglot answers.
The server asks there before it first sends code to a new host."
  (let* ((caps (cl-call-next-method))
         (window (copy-sequence (plist-get caps :window))))
    (plist-put caps :window
               (plist-put window :showMessage
                          '(:messageActionItem (:additionalPropertiesSupport :json-false))))))

(defvar se-lsp-last-outcome nil
  "The outcome of the last review, as it was shown in the echo area.")

(defun se-lsp--outcome (result &optional err)
  "Words for a review's RESULT (the command's reply) or its request error ERR."
  (cond (err (format "se-lsp: review failed: %s"
                     (if (stringp err) err (plist-get err :message))))
        ((plist-get result :error)
         (format "se-lsp: review failed: %s" (plist-get result :error)))
        ((plist-get result :cancelled) "se-lsp: review cancelled")
        ((plist-get result :message)
         (format "se-lsp: review done: %s" (plist-get result :message)))
        (t "se-lsp: review done")))

(defun se-lsp--report (result &optional err)
  "Show the outcome of RESULT or ERR; keep it in `se-lsp-last-outcome'."
  (setq se-lsp-last-outcome (se-lsp--outcome result err))
  (message "%s" se-lsp-last-outcome))

(defun se-lsp--review (server arguments)
  "Run `se-lsp.optimize' with ARGUMENTS (a vector) on SERVER; report the end."
  (jsonrpc-async-request
   server :workspace/executeCommand
   (list :command "se-lsp.optimize" :arguments arguments)
   :success-fn #'se-lsp--report
   :error-fn (lambda (err) (se-lsp--report nil err))
   :timeout-fn (lambda () (se-lsp--report nil "no answer from the server"))
   :timeout 3600))

(cl-defmethod eglot-execute-command ((server se-lsp-server) command arguments)
  "Run COMMAND with ARGUMENTS on SERVER; a review reports its outcome."
  (if (equal (format "%s" command) "se-lsp.optimize")
      (se-lsp--review server arguments)
    (cl-call-next-method)))

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
Findings arrive as diagnostics whose source is the agent's name; when the review
ends, its outcome (findings count or the error) shows in the echo area.
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
    (se-lsp--review server (vector arg))
    arg))

(se-lsp-setup)

(provide 'se-lsp)
;;; se-lsp.el ends here
