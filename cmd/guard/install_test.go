package main

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func runInstall(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("../../install.sh", args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("install.sh %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func files(t *testing.T, root string) map[string]string {
	t.Helper()
	got := map[string]string{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.Type()&fs.ModeSymlink != 0 {
			target, _ := os.Readlink(p)
			got[rel] = "-> " + target
			return nil
		}
		data, _ := os.ReadFile(p)
		got[rel] = string(data)
		return nil
	})
	return got
}

func keys(m map[string]string) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	sort.Strings(k)
	return k
}

// TestInstallIntoDestdir: install.sh into a temporary root, twice (the
// same result), then --uninstall restores the files it changed exactly
// and removes the rest, but keeps the configuration.
func TestInstallIntoDestdir(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc/zsh"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/bash.bashrc"), []byte("# the site's own bashrc\nalias ll='ls -l'\n"), 0o644)
	os.WriteFile(filepath.Join(root, "etc/shells"), []byte("/bin/sh\n/bin/bash\n"), 0o644)
	before := files(t, root)
	args := []string{"--destdir", root, "--prefix", "/usr/local", "--binary", builtGuard(t), "--bash-hook", "--zsh-hook", "--login-shell", "--config"}

	dry := runInstall(t, append(args, "--dry-run")...)
	if got := files(t, root); strings.Join(keys(got), ",") != strings.Join(keys(before), ",") {
		t.Fatalf("--dry-run changed files: %v", keys(got))
	}
	if !strings.Contains(dry, "would add guard's bash hook") {
		t.Errorf("--dry-run output:\n%s", dry)
	}

	runInstall(t, args...)
	once := files(t, root)
	runInstall(t, args...)
	twice := files(t, root)
	for _, k := range keys(once) {
		if once[k] != twice[k] {
			t.Errorf("a second install changed %s:\n%s\nvs\n%s", k, once[k], twice[k])
		}
	}
	if strings.Count(twice["etc/shells"], "/usr/local/bin/guard-shell") != 1 {
		t.Errorf("/etc/shells: %q", twice["etc/shells"])
	}
	if strings.Count(twice["etc/bash.bashrc"], `eval "$(/usr/local/bin/guard init bash)"`) != 1 || !strings.Contains(twice["etc/bash.bashrc"], "alias ll=") {
		t.Errorf("/etc/bash.bashrc: %q", twice["etc/bash.bashrc"])
	}
	if !strings.Contains(twice["etc/zsh/zshrc"], "guard init zsh") || twice["usr/local/bin/guard-shell"] != "-> guard" {
		t.Errorf("zsh hook or guard-shell link missing: %v", keys(twice))
	}
	if _, ok := twice["etc/guard/guard.toml"]; !ok {
		t.Error("no /etc/guard/guard.toml written")
	}
	// the hook block is valid shell
	if out, err := exec.Command("bash", "-n", filepath.Join(root, "etc/bash.bashrc")).CombinedOutput(); err != nil {
		t.Errorf("bash -n: %v %s", err, out)
	}

	runInstall(t, "--destdir", root, "--prefix", "/usr/local", "--uninstall")
	after := files(t, root)
	for _, k := range keys(before) {
		if after[k] != before[k] {
			t.Errorf("--uninstall left %s changed:\n%q\nwant\n%q", k, after[k], before[k])
		}
	}
	for _, k := range keys(after) {
		if _, ok := before[k]; !ok && k != "etc/guard/guard.toml" && k != "etc/zsh/zshrc" {
			t.Errorf("--uninstall left %s behind", k)
		}
	}
	if strings.TrimSpace(after["etc/zsh/zshrc"]) != "" {
		t.Errorf("zshrc should be left without guard's block: %q", after["etc/zsh/zshrc"])
	}
}

// TestUninstallNeverLocksOut: while guard-shell is someone's login shell,
// --uninstall refuses, names them and the usermod to run; with
// --restore-shells it sets them back to /bin/bash first.
func TestUninstallNeverLocksOut(t *testing.T) {
	need(t, "usermod")
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.WriteFile(filepath.Join(root, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/bash\nops:x:1001:1001::/home/ops:/usr/local/bin/guard-shell\n"), 0o644)
	os.WriteFile(filepath.Join(root, "etc/group"), []byte("root:x:0:\nops:x:1001:\n"), 0o644)
	runInstall(t, "--destdir", root, "--prefix", "/usr/local", "--binary", builtGuard(t), "--login-shell")

	cmd := exec.Command("sh", append([]string{"../../install.sh"}, "--destdir", root, "--prefix", "/usr/local", "--uninstall")...)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "login shell of: ops") || !strings.Contains(string(out), "usermod -s /bin/bash ops") {
		t.Fatalf("--uninstall with a user on guard-shell: err %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(root, "usr/local/bin/guard-shell")); err != nil {
		t.Fatal("--uninstall removed the login shell of a user")
	}
	runInstall(t, "--destdir", root, "--prefix", "/usr/local", "--uninstall", "--restore-shells")
	passwd, _ := os.ReadFile(filepath.Join(root, "etc/passwd"))
	if !strings.Contains(string(passwd), "ops:x:1001:1001::/home/ops:/bin/bash") {
		t.Errorf("--restore-shells left passwd as %q", passwd)
	}
	if _, err := os.Stat(filepath.Join(root, "usr/local/bin/guard")); err == nil {
		t.Error("guard is still installed after --uninstall --restore-shells")
	}
}

// TestDebianPackage builds the .deb with install.sh --deb and reads back
// its file list, conffiles and maintainer scripts.
func TestDebianPackage(t *testing.T) {
	need(t, "dpkg-deb")
	out := t.TempDir()
	deb := strings.TrimSpace(runInstall(t, "--deb", out, "--binary", builtGuard(t)))
	list, err := exec.Command("dpkg-deb", "-c", deb).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"./usr/bin/guard\n", "./usr/bin/guard-shell -> guard", "./etc/guard/guard.toml\n",
		"./usr/share/man/man1/guard.1.gz\n", "./usr/share/bash-completion/completions/guard\n", "./usr/share/zsh/vendor-completions/_guard\n"} {
		if !strings.Contains(string(list), want) {
			t.Errorf("the package lacks %q:\n%s", strings.TrimSpace(want), list)
		}
	}
	conffiles, _ := exec.Command("dpkg-deb", "-I", deb, "conffiles").Output()
	if strings.TrimSpace(string(conffiles)) != "/etc/guard/guard.toml" {
		t.Errorf("conffiles: %q", conffiles)
	}
	postinst, _ := exec.Command("dpkg-deb", "-I", deb, "postinst").Output()
	if !strings.Contains(string(postinst), "add-shell /usr/bin/guard-shell") {
		t.Errorf("postinst: %q", postinst)
	}
	if pkg, _ := exec.Command("dpkg-deb", "-f", deb, "Package").Output(); strings.TrimSpace(string(pkg)) != "guard" {
		t.Errorf("Package field %q", pkg)
	}

	// prerm refuses removal while guard-shell is a login shell: run the
	// package's own script with a getent that reports such a user.
	control := t.TempDir()
	if out, err := exec.Command("dpkg-deb", "-e", deb, control).CombinedOutput(); err != nil {
		t.Fatalf("dpkg-deb -e: %v %s", err, out)
	}
	fakebin := t.TempDir()
	for _, tc := range []struct {
		passwd string
		ok     bool
	}{
		{"root:x:0:0:root:/root:/bin/bash\nops:x:1001:1001::/home/ops:/usr/bin/guard-shell", false},
		{"root:x:0:0:root:/root:/bin/bash", true},
	} {
		os.WriteFile(filepath.Join(fakebin, "getent"), []byte("#!/bin/sh\nprintf '%s\\n' '"+tc.passwd+"'\n"), 0o755)
		prerm := exec.Command(filepath.Join(control, "prerm"), "remove")
		prerm.Env = []string{"PATH=" + fakebin + ":/usr/bin:/bin"}
		out, err := prerm.CombinedOutput()
		if (err == nil) != tc.ok {
			t.Errorf("prerm remove with %q: err %v\n%s", tc.passwd, err, out)
		}
		if !tc.ok && !strings.Contains(string(out), "usermod -s /bin/bash ops") {
			t.Errorf("prerm does not say what to run: %s", out)
		}
	}
}
