;;; emacs_driver.el --- batch Emacs + eglot driver for tests/editors/test_emacs.py  -*- lexical-binding: t; -*-

;; Reads a JSON plan from $SE_LSP_EMACS_PLAN, loads editors/emacs/se-lsp.el, opens each file
;; with eglot, waits for flymake diagnostics, asks for hover at the first one, optionally
;; applies the "Fix: ..." code action through eglot's own menu, and writes what it saw as
;; JSON to the plan's "out".  It asserts nothing: the Python test does.

(require 'json)
(require 'cl-lib)
(require 'subr-x)
(require 'markdown-mode)  ; eglot 1.9 only asks for markdown hover when this is loaded
(require 'eglot)
(require 'flymake)

(defvar driver-plan (let ((json-object-type 'alist) (json-array-type 'list) (json-key-type 'symbol))
                      (json-read-file (getenv "SE_LSP_EMACS_PLAN"))))
(defvar driver-result nil)
(defvar driver-events nil)
(defvar driver-timeout (/ (alist-get 'timeout_ms driver-plan) 1000.0))

(defun driver-event (fmt &rest args)
  (push (format "%.3f %s" (float-time) (apply #'format fmt args)) driver-events))

(defun driver-wait (pred &optional seconds)
  "Run the event loop until PRED is non-nil or SECONDS pass; return PRED's value."
  (let ((deadline (+ (float-time) (or seconds driver-timeout)))
        value)
    (while (and (not (setq value (funcall pred))) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    value))

;; Emacs 28 ships no rust-mode or go-mode: minimal stand-ins so the files get a major mode.
(unless (fboundp 'rust-mode)
  (define-derived-mode rust-mode prog-mode "Rust"))
(unless (fboundp 'go-mode)
  (define-derived-mode go-mode prog-mode "Go"))
(add-to-list 'auto-mode-alist '("\\.rs\\'" . rust-mode))
(add-to-list 'auto-mode-alist '("\\.go\\'" . go-mode))

(load (expand-file-name "emacs/se-lsp.el" (alist-get 'editors driver-plan)) nil t)
(setq se-lsp-program (alist-get 'cmd driver-plan))
(setq se-lsp-settings (car (read-from-string (alist-get 'settings_el driver-plan))))
(setq eglot-sync-connect t
      eglot-connect-timeout 20
      eglot-autoreconnect nil)

(defvar driver-asked nil "The server's questions (window/showMessageRequest), in order.")
(when (alist-get 'consent driver-plan)
  ;; eglot answers window/showMessageRequest with completing-read: answer as the plan says.
  (advice-add 'completing-read :around
              (lambda (orig prompt collection &rest rest)
                (if (string-match-p "Server reports" prompt)
                    (progn (push prompt driver-asked)
                           (alist-get 'consent driver-plan))
                  (apply orig prompt collection rest)))))

(defun driver-diag (d)
  "A flymake diagnostic as (line col end_line end_col text type), 0-based, columns in characters."
  (let ((beg (flymake-diagnostic-beg d))
        (end (flymake-diagnostic-end d)))
    (save-excursion
      (list (cons 'line (progn (goto-char beg) (1- (line-number-at-pos))))
            (cons 'col (- beg (line-beginning-position)))
            (cons 'end_line (progn (goto-char end) (1- (line-number-at-pos))))
            (cons 'end_col (- end (line-beginning-position)))
            (cons 'text (flymake-diagnostic-text d))
            (cons 'type (symbol-name (flymake-diagnostic-type d)))))))

(defun driver-diags ()
  (let ((all (flymake-diagnostics)))
    (mapcar #'driver-diag (sort all (lambda (a b) (< (flymake-diagnostic-beg a)
                                                      (flymake-diagnostic-beg b)))))))

(defun driver-events-log ()
  (let ((out ""))
    (dolist (buf (buffer-list))
      (when (string-match-p "EGLOT.*events" (buffer-name buf))
        (with-current-buffer buf
          (setq out (concat out (buffer-name buf) ":\n"
                            (buffer-substring-no-properties
                             (max (point-min) (- (point-max) 6000)) (point-max)))))))
    out))

(defun driver-file (spec)
  (let* ((name (alist-get 'name spec))
         (rec (list (cons 'path (alist-get 'path spec)))))
    (find-file (alist-get 'path spec))
    (push (cons 'mode (symbol-name major-mode)) rec)
    ;; The first buffer starts the server as M-x eglot would (eglot-ensure only connects
    ;; from the command loop, which batch mode lacks); later buffers of the same project are
    ;; picked up by eglot's find-file hook.
    (unless (eglot-current-server)
      (call-interactively #'eglot))
    (let ((server (eglot-current-server)))
      (push (cons 'connected (and server t)) rec)
      (when server
        (push (cons 'server_pid (process-id (jsonrpc--process server))) rec)
        (push (cons 'project_root (expand-file-name (project-root (eglot--project server)))) rec)))
    (flymake-start)
    (let ((got (driver-wait (lambda () (flymake-diagnostics)))))
      (driver-event "%s: %s" name (if got "diagnostics" "no diagnostics within timeout")))
    (push (cons 'diagnostics (driver-diags)) rec)
    (let ((first (car (flymake-diagnostics))))
      (when (and first (eq (alist-get 'hover spec) t))
        (goto-char (flymake-diagnostic-beg first))
        (let* ((reply (jsonrpc-request (eglot-current-server) :textDocument/hover
                                       (eglot--TextDocumentPositionParams)))
               (contents (plist-get reply :contents)))
          (push (cons 'hover_kind (plist-get contents :kind)) rec)
          (push (cons 'hover (and contents (eglot--hover-info contents))) rec)
          (driver-event "%s: hover %s" name (if contents "answered" "empty"))))
      (when (and first (eq (alist-get 'fix spec) t))
        (let ((offered nil)
              (tick (buffer-modified-tick))
              ;; eglot pops up a mouse menu when the last event was a click; pretend a key.
              (last-nonmenu-event ?\r))
          (cl-letf (((symbol-function 'completing-read)
                     (lambda (_prompt collection &rest _)
                       (setq offered (mapcar #'car collection))
                       (cl-find-if (lambda (title) (string-prefix-p "Fix: " title)) offered))))
            (eglot-code-actions (flymake-diagnostic-beg first) (flymake-diagnostic-end first)
                                nil t))
          (push (cons 'actions_offered offered) rec)
          (push (cons 'changed (/= tick (buffer-modified-tick))) rec)
          (push (cons 'after_fix (buffer-substring-no-properties (point-min) (point-max))) rec)
          ;; The idle timer that sends didChange never fires in batch: send it now.
          (eglot--signal-textDocument/didChange)
          (let ((code (alist-get 'code spec)))
            (driver-wait (lambda ()
                           (not (cl-find-if (lambda (d) (string-match-p (regexp-quote code)
                                                                         (flymake-diagnostic-text d)))
                                            (flymake-diagnostics))))))
          (push (cons 'diagnostics_after_fix (driver-diags)) rec))))
    (let ((opt (alist-get 'optimize spec)))
      (when opt
        ;; Region from the start of line A to the start of line B (0-based), then the command
        ;; (or the "Optimize selection" code action, picked through eglot's own menu).
        (let ((beg (save-excursion (goto-char (point-min))
                                   (forward-line (alist-get 'from_line opt)) (point)))
              (end (save-excursion (goto-char (point-min))
                                   (forward-line (alist-get 'to_line opt)) (point)))
              (source (alist-get 'wait_source opt)))
          (setq se-lsp-last-outcome nil)
          (if (equal (alist-get 'via opt) "code_action")
              (let ((offered nil)
                    (last-nonmenu-event ?\r))
                (cl-letf (((symbol-function 'completing-read)
                           (lambda (_prompt collection &rest _)
                             (setq offered (mapcar #'car collection))
                             (cl-find-if (lambda (title)
                                           (string-prefix-p "Optimize selection" title))
                                         offered))))
                  (eglot-code-actions beg end nil t))
                (push (cons 'actions_offered offered) rec))
            (push (cons 'optimize_sent (se-lsp-optimize beg end)) rec))
          (let ((ended (driver-wait (lambda () se-lsp-last-outcome)
                                    (/ (alist-get 'wait_ms opt) 1000.0))))
            (driver-event "%s: %s" name (or ended "no outcome shown")))
          (when source
            (let ((seen (driver-wait
                         (lambda ()
                           (cl-find-if (lambda (d) (string-prefix-p source
                                                                    (flymake-diagnostic-text d)))
                                       (flymake-diagnostics)))
                         5)))
              (driver-event "%s: %s" name (if seen "agent diagnostic" "no agent diagnostic"))))
          (push (cons 'outcome se-lsp-last-outcome) rec)
          (push (cons 'diagnostics_after_optimize (driver-diags)) rec))))
    (push (cons name rec) driver-result)))

(condition-case err
    (dolist (spec (alist-get 'files driver-plan))
      (driver-file spec))
  (error (push (cons 'error (format "%S" err)) driver-result)))

(push (cons 'asked (reverse driver-asked)) driver-result)
(push (cons 'events (reverse driver-events)) driver-result)
(push (cons 'log (driver-events-log)) driver-result)
(push (cons 'emacs emacs-version) driver-result)
(push (cons 'eglot (if (boundp 'eglot-version) eglot-version "1.9")) driver-result)
(with-temp-file (alist-get 'out driver-plan)
  (let ((json-encoding-pretty-print nil))
    (insert (json-encode driver-result))))
(ignore-errors (eglot-shutdown-all))
(kill-emacs 0)
