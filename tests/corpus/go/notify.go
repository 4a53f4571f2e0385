// Package notify fans events out to HTTP subscribers and keeps a small delivery log.
package notify

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// ErrClosed is returned after Close; a sentinel built once.
var ErrClosed = errors.New("notifier closed")

// Event is what subscribers receive.
type Event struct {
	ID    int
	Topic string
	Body  []byte
}

// Notifier delivers events to subscribers.
type Notifier struct {
	mu     sync.Mutex
	subs   []string
	log    bytes.Buffer
	events chan Event
	done   chan struct{}
}

// Subscribe adds a URL; an empty URL is rejected.
func (n *Notifier) Subscribe(url string) error {
	if url == "" {
		return fmt.Errorf("empty subscriber url") // expect: go/errorf-constant
	}
	if len(url) > 2048 {
		return fmt.Errorf("subscriber url too long: %d bytes", len(url))
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.subs = append(n.subs, url)
	return nil
}

// Run delivers events until Close is called.
func (n *Notifier) Run() {
	for {
		select {
		case ev := <-n.events:
			n.deliver(ev)
		case <-n.done:
			return
		case <-time.After(30 * time.Second): // expect: go/time-after-in-loop
			n.record("idle")
		}
	}
}

// Wait blocks once for the next event or a timeout; no loop, one timer.
func (n *Notifier) Wait(d time.Duration) (Event, bool) {
	select {
	case ev := <-n.events:
		return ev, true
	case <-time.After(d):
		return Event{}, false
	}
}

func (n *Notifier) deliver(ev Event) {
	n.mu.Lock()
	subs := append([]string(nil), n.subs...)
	n.mu.Unlock()
	for _, url := range subs {
		resp, err := http.Post(url, "application/json", bytes.NewReader(ev.Body))
		if err != nil {
			n.record("error " + err.Error())
			continue
		}
		resp.Body.Close()
	}
}

func (n *Notifier) record(what string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.log.Write([]byte(fmt.Sprintf("%s %s\n", time.Now().Format(time.RFC3339), what))) // expect: go/write-sprintf
}

// Log returns the delivery log as text.
func (n *Notifier) Log() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return string(n.log.Bytes()) // expect: go/buffer-bytes-string
}

// ServeHTTP shows the subscriber list.
func (n *Notifier) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, fmt.Sprintf("subscribers: %d\n", len(n.subs))) // expect: go/write-sprintf
	for i, s := range n.subs {
		fmt.Fprintf(w, "%d\t%s\n", i, s)
	}
	w.Write([]byte("ok\n"))
}

// Headers builds the request headers of one delivery.
func Headers(ev Event) []string {
	h := []string{"Content-Type: application/json"}
	h = append(h, "X-Event-Id: "+strconv.Itoa(ev.ID)) // expect: go/append-combine
	h = append(h, "X-Topic: "+ev.Topic)
	if len(ev.Body) > 0 {
		h = append(h, "Content-Length: "+strconv.Itoa(len(ev.Body)))
	}
	return h
}

// Close stops Run.
func (n *Notifier) Close() error {
	select {
	case <-n.done:
		return ErrClosed
	default:
		close(n.done)
		return nil
	}
}
