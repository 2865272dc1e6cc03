package rules

import "testing"

// Each line was checked with visudo -cf (sudo 1.9.13): the valid ones are
// read as valid, and no line visudo refuses is. Lines visudo accepts but
// the conservative reading does not (a comment after a rule, FOO=1 in
// arguments) still ask; they are not listed here.
func TestSudoersLooksValid(t *testing.T) {
	cases := []struct {
		line  string
		valid bool
	}{
		{"deploy ALL=(ALL) NOPASSWD: /bin/systemctl restart app", true},
		{"%ops ALL=(ALL:ALL) ALL", true},
		{"deploy, ci ALL=(ALL) NOPASSWD: /usr/bin/rsync", true},
		{"deploy ALL=(root) NOPASSWD: /usr/bin/systemctl restart app*, /usr/bin/journalctl -u app", true},
		{"deploy ALL=(ALL) PASSWD: ALL, NOPASSWD: /usr/bin/id", true},
		{"deploy ALL=(:adm) NOPASSWD: /usr/bin/tail -f /var/log/syslog", true},
		{"deploy ALL=(ALL) NOPASSWD: sudoedit /etc/hosts", true},
		{"deploy ALL=(ALL) NOPASSWD: /usr/bin/id \"\"", true},
		{"deploy ALL=(ALL) NOPASSWD: /usr/bin/a b\\, c", true},
		{"Cmnd_Alias APP = /usr/bin/systemctl restart app, /usr/bin/systemctl status app", true},
		{"Defaults:deploy !requiretty", true},
		{"Defaults env_keep += \"HTTP_PROXY HTTPS_PROXY\"", true},
		{"Defaults secure_path=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin\"", true},
		{"Defaults timestamp_timeout=15", true},
		{"#includedir /etc/sudoers.d", true},

		{"deploy ALL=(ALL) NOPASSWD ALL", false},
		{"deploy ALL=(ALL NOPASSWD: ALL", false},
		{"deploy ALL=(ALL) NOPASSWD: systemctl restart app", false},
		{"deploy ALL=(ALL) NOPASSWD: /usr/bin/a, ", false},
		{"deploy ALL=(ALL) NOPASSWD: /usr/bin/a\\\\b", false},
		{"deploy ALL=(ALL) NOPASSWD: /usr/bin/a \\\"b", false},
		{"deploy ALL=(ALL) NOPASSWD: /usr/bin/ foo", false},
		{"deploy ALL=(ALL) NOPASSWD: /usr/bin/\tsync", false},
		{"deploy ALL=(ALL) NOPASSWD: /usr/bin/a ^x1", false},
		{"deploy ALL=(ALL) NOPASSWD: /usr/bin/id \\", false},
		{"deploy A:LL=(ALL) NOPASSWD: /usr/bin/id", false},
		{"Cmnd_Alias 0APP = /usr/bin/id", false},
		{"Defaults foo_bar_baz", false},
		{"Defaults timestamp_timeout=abc", false},
		{"Defaults requiretty=1", false},
		{"Defaults passwd_tries=-3", false},
		{"Defaults lecture=bogus", false},
		{"Defaults!9APP requiretty", false},
		{"Defaults:_!deply !requiretty", false},
		{"deploy ALL=(ALL) NOPASSWD: /usr/bin/id\r", false},
		{"", false},
	}
	for _, c := range cases {
		if got := sudoersLooksValid(c.line + "\n"); got != c.valid {
			t.Errorf("sudoersLooksValid(%q) = %v, want %v", c.line, got, c.valid)
		}
	}
}
