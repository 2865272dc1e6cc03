package rules

import (
	"net/url"
	"slices"
	"strings"

	"github.com/guard-sh/guard/guard"
)

// httpClients are the programs whose requests the data-service rules read
// for admin APIs (Elasticsearch, RabbitMQ, Consul, Vault, etcd, InfluxDB).
var httpClients = []string{"curl", "wget", "http", "https", "xh", "xhs"}

// httpRequest is one request an HTTP client on the line would send: the
// method, the URL and the body, read the way the client reads its own
// options (curl -XDELETE, --request DELETE, -d @-; wget --method=DELETE;
// httpie's METHOD URL items), not by looking for the word DELETE.
type httpRequest struct {
	Method string
	URL    *url.URL
	Raw    string // the URL as written
	Body   string
	// Segments are the path's segments, unescaped one by one, so that a
	// vhost written %2F stays one segment.
	Segments []string
	// HostVar is the variable the URL starts with when its host cannot be
	// known ("$ES_HOST/orders"): its name is all there is to tell the
	// service by.
	HostVar string
}

// Port is the request's port, the scheme's default when none is written.
func (r httpRequest) Port() string {
	if p := r.URL.Port(); p != "" {
		return p
	}
	if r.URL.Scheme == "https" {
		return "443"
	}
	return "80"
}

// Hostport names the server for messages.
func (r httpRequest) Hostport() string {
	if r.HostVar != "" {
		return r.HostVar
	}
	return r.URL.Host
}

// HostVarHas tells whether the variable that stands for the host has one
// of words among its _-separated parts: $ES_URL, ${ELASTIC_HOST}.
func (r httpRequest) HostVarHas(words ...string) bool {
	name := strings.Trim(strings.ToLower(r.HostVar), "${}")
	for _, part := range strings.FieldsFunc(name, func(c rune) bool { return c == '_' || c == '-' }) {
		if slices.Contains(words, part) {
			return true
		}
	}
	return false
}

// HostHas tells whether the host name holds word (es-prod, vault.internal).
func (r httpRequest) HostHas(words ...string) bool {
	h := strings.ToLower(r.URL.Hostname())
	for _, w := range words {
		if strings.Contains(h, w) {
			return true
		}
	}
	return false
}

// PortIs tells whether the request goes to one of ports.
func (r httpRequest) PortIs(ports ...string) bool {
	return slices.Contains(ports, r.Port())
}

// Last is the last segment of the path, "" for the root.
func (r httpRequest) Last() string {
	if len(r.Segments) == 0 {
		return ""
	}
	return r.Segments[len(r.Segments)-1]
}

const maxBodyFile = 64 << 10

var curlSpec = guard.OptSpec{
	ShortValue: "AbcCdDeEFHKmoPQrtTuUwxXyYz",
	LongValue: []string{"request", "data", "data-raw", "data-binary", "data-ascii", "data-urlencode", "json", "header",
		"user", "output", "url", "user-agent", "cookie", "cookie-jar", "referer", "form", "form-string", "max-time",
		"connect-timeout", "proxy", "cacert", "capath", "cert", "key", "cert-type", "key-type", "pass", "config",
		"upload-file", "write-out", "resolve", "connect-to", "retry", "retry-delay", "retry-max-time", "limit-rate",
		"aws-sigv4", "oauth2-bearer", "unix-socket", "abstract-unix-socket", "interface", "dns-servers", "range",
		"output-dir", "proxy-user", "noproxy", "max-filesize", "variable", "trace", "trace-ascii", "stderr",
		"dump-header", "continue-at", "time-cond", "speed-limit", "speed-time", "local-port", "request-target",
		"url-query", "proxy-header", "preproxy", "socks5", "socks5-hostname", "netrc-file", "expect100-timeout"},
}

var wgetSpec = guard.OptSpec{
	ShortValue: "aABDeIilOoPQRtTUwX",
	LongValue: []string{"method", "body-data", "body-file", "post-data", "post-file", "header", "output-document",
		"output-file", "user", "password", "http-user", "http-password", "user-agent", "tries", "timeout", "wait",
		"directory-prefix", "input-file", "load-cookies", "save-cookies", "ca-certificate", "certificate",
		"private-key", "execute", "append-output", "quota", "level", "accept", "reject", "domains"},
}

var httpieSpec = guard.OptSpec{
	ShortValue: "aAopsv",
	LongValue: []string{"auth", "auth-type", "output", "session", "session-read-only", "verify", "cert", "cert-key",
		"proxy", "timeout", "print", "style", "pretty", "format-options", "max-redirects", "default-scheme", "ssl",
		"ciphers", "boundary", "raw", "response-charset", "response-mime", "unix-socket", "path-as-is"},
}

var httpMethods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true}

// readHTTPRequests reads the requests of a curl, wget or httpie command.
func readHTTPRequests(inv *guard.Invocation, host guard.Host) []httpRequest {
	switch inv.Program {
	case "curl":
		return readCurl(inv, host)
	case "wget":
		return readWget(inv, host)
	case "http", "https", "xh", "xhs":
		return readHttpie(inv, host)
	}
	return nil
}

// bodyOf reads a body argument: text, @- for standard input, @file.
func bodyOf(inv *guard.Invocation, host guard.Host, v string) string {
	name, isFile := strings.CutPrefix(v, "@")
	if !isFile {
		return v
	}
	if name == "-" {
		text, _ := guard.StdinText(inv)
		return text
	}
	if p := inv.Path(name); p != "" {
		if data, err := host.ReadFile(p, maxBodyFile); err == nil {
			return string(data)
		}
	}
	return ""
}

func readCurl(inv *guard.Invocation, host guard.Host) []httpRequest {
	p := guard.ParseOptions(inv.Args, curlSpec)
	if p.Has("help", "h", "version", "V") {
		return nil
	}
	var bodies []string
	for _, d := range p.Values("d", "data", "data-raw", "data-binary", "data-ascii", "data-urlencode", "json") {
		bodies = append(bodies, bodyOf(inv, host, d.Value))
	}
	method := ""
	if m, ok := p.Value("X", "request"); ok {
		method = strings.ToUpper(m.Value)
	}
	get := p.Has("G", "get")
	if method == "" {
		switch {
		case p.Has("I", "head"):
			method = "HEAD"
		case len(bodies) > 0 && !get:
			method = "POST"
		case p.Has("T", "upload-file"):
			method = "PUT"
		default:
			method = "GET"
		}
	}
	var out []httpRequest
	for _, arg := range append(p.Operands, p.Values("url")...) {
		r, ok := requestOf(method, arg, "http")
		if !ok {
			continue
		}
		if get {
			q := r.URL.RawQuery
			for _, b := range bodies {
				q = strings.TrimPrefix(q+"&"+b, "&")
			}
			r.URL.RawQuery = q
		} else {
			r.Body = strings.Join(bodies, "&")
		}
		out = append(out, r)
	}
	return out
}

func readWget(inv *guard.Invocation, host guard.Host) []httpRequest {
	p := guard.ParseOptions(inv.Args, wgetSpec)
	if p.Has("help", "h", "version", "V", "spider") {
		return nil
	}
	method, body := "GET", ""
	if d, ok := p.Value("post-data", "post-file"); ok {
		method = "POST"
		if p.Has("post-file") {
			body = bodyOf(inv, host, "@"+d.Value)
		} else {
			body = d.Value
		}
	}
	if d, ok := p.Value("body-data"); ok {
		body = d.Value
	}
	if d, ok := p.Value("body-file"); ok {
		body = bodyOf(inv, host, "@"+d.Value)
	}
	if m, ok := p.Value("method"); ok {
		method = strings.ToUpper(m.Value)
	}
	var out []httpRequest
	for _, arg := range p.Operands {
		if r, ok := requestOf(method, arg, "http"); ok {
			r.Body = body
			out = append(out, r)
		}
	}
	return out
}

// readHttpie reads `http [METHOD] URL [items]`: items with = or := are
// body fields (and make the default method POST), == are query
// parameters, : are headers.
func readHttpie(inv *guard.Invocation, host guard.Host) []httpRequest {
	p := guard.ParseOptions(inv.Args, httpieSpec)
	if p.Has("help", "version") {
		return nil
	}
	args := p.Operands
	if len(args) == 0 {
		return nil
	}
	method := ""
	if httpMethods[strings.ToUpper(args[0].Value)] && len(args) > 1 {
		method, args = strings.ToUpper(args[0].Value), args[1:]
	}
	scheme := "http"
	if inv.Program == "https" || inv.Program == "xhs" {
		scheme = "https"
	}
	target := args[0]
	if strings.HasPrefix(target.Value, ":") && target.Known {
		target.Value = "localhost" + target.Value
	}
	r, ok := requestOf(method, target, scheme)
	if !ok {
		return nil
	}
	ops := operandValues(args)
	var fields, query []string
	for _, item := range ops[1:] {
		switch {
		case strings.Contains(item, "=="):
			query = append(query, strings.Replace(item, "==", "=", 1))
		case strings.Contains(item, ":="), strings.Contains(item, "="):
			fields = append(fields, item)
		}
	}
	if len(query) > 0 {
		r.URL.RawQuery = strings.TrimPrefix(r.URL.RawQuery+"&"+strings.Join(query, "&"), "&")
	}
	r.Body = strings.Join(fields, " ")
	if text, known := guard.StdinText(inv); known && !p.Has("ignore-stdin", "I") {
		r.Body = strings.TrimSpace(r.Body + " " + text)
	}
	if r.Method == "" {
		r.Method = "GET"
		if r.Body != "" {
			r.Method = "POST"
		}
	}
	return []httpRequest{r}
}

// requestOf reads a URL word. A word that starts with a variable that
// cannot be known ("$ES_HOST/orders") keeps its path and the variable's
// name in place of the host.
func requestOf(method string, arg guard.Arg, scheme string) (httpRequest, bool) {
	if arg.Known {
		return newHTTPRequest(method, arg.Value, scheme)
	}
	if len(arg.Unknown) == 0 {
		return httpRequest{}, false
	}
	if !strings.HasPrefix(strings.TrimLeft(arg.Text, "\"'"), arg.Unknown[0]) {
		// http://$H:9200/x: the port and path are still known
		r, ok := newHTTPRequest(method, arg.Value, scheme)
		if ok && r.URL.Hostname() == "" {
			r.HostVar = arg.Unknown[0]
		}
		return r, ok
	}
	r, ok := newHTTPRequest(method, "unknown.invalid"+arg.Value, scheme)
	if !ok {
		return r, false
	}
	r.HostVar = arg.Unknown[0]
	return r, true
}

// newHTTPRequest parses a URL as the clients do: without a scheme it is
// http (curl localhost:9200/x).
func newHTTPRequest(method, raw, scheme string) (httpRequest, bool) {
	s := raw
	if !strings.Contains(s, "://") {
		s = scheme + "://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return httpRequest{}, false
	}
	var segs []string
	for _, seg := range strings.Split(u.EscapedPath(), "/") {
		if seg == "" {
			continue
		}
		if unescaped, err := url.PathUnescape(seg); err == nil {
			seg = unescaped
		}
		segs = append(segs, seg)
	}
	return httpRequest{Method: method, URL: u, Raw: raw, Segments: segs}, true
}
