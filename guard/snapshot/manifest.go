// Package snapshot saves what a confirmed command would destroy before it
// runs, and puts it back: files and folders (hard-link farm, reflink or
// copy), a crontab, LVM metadata, firewall rules, a git work tree.
//
// A snapshot is a folder in the store holding manifest.json and the saved
// data. It is written in a temporary folder and renamed into place only
// when complete, so an interrupted snapshot never looks complete.
package snapshot

import (
	"time"
)

// Manifest describes one snapshot.
type Manifest struct {
	ID    string    `json:"id"`
	Time  time.Time `json:"time"`
	User  string    `json:"user"`
	Host  string    `json:"host"`
	Cwd   string    `json:"cwd"`
	Line  string    `json:"line"`
	Rules []string  `json:"rules"`
	// Size is the bytes the snapshot occupies beyond hard links.
	Size  int64  `json:"size"`
	Items []Item `json:"items"`
	// Complete is written last: a manifest without it is not trusted.
	Complete bool `json:"complete"`
}

// Item is one saved thing.
type Item struct {
	// Kind is file, dir, symlink, crontab, lvm, firewall, git.
	Kind string `json:"kind"`
	// Path is where it was (absolute), or the git work tree.
	Path string `json:"path,omitempty"`
	// Stored is where its data is, relative to the snapshot folder.
	Stored string    `json:"stored,omitempty"`
	Mode   uint32    `json:"mode,omitempty"`
	UID    int       `json:"uid"`
	GID    int       `json:"gid"`
	MTime  time.Time `json:"mtime,omitempty"`
	Size   int64     `json:"size"`
	// SHA256 of a copy is taken as it is written; of a hard link or a
	// reflink, at the first verify ("" until then).
	SHA256 string `json:"sha256,omitempty"`
	Target string `json:"target,omitempty"`  // a symlink's target
	LinkTo string `json:"link_to,omitempty"` // a hard link: the first path of its inode
	Method string `json:"method,omitempty"`  // hardlink, reflink or copy
	// Xattrs are recorded for everything but a file saved by hard link,
	// whose attributes stay on the inode the snapshot holds.
	Xattrs []Xattr     `json:"xattrs,omitempty"`
	User   string      `json:"user,omitempty"`   // crontab
	VG     string      `json:"vg,omitempty"`     // lvm
	Commit string      `json:"commit,omitempty"` // git: the stash-like commit of the work tree
	Stash  []string    `json:"stash,omitempty"`  // git: stash entries kept alive
	Extra  []ExtraFile `json:"extra,omitempty"`  // firewall: several dumps
}

// Xattr is an extended attribute.
type Xattr struct {
	Name  string `json:"name"`
	Value []byte `json:"value"`
}

// ExtraFile is a secondary stored file of an item (nft next to iptables).
type ExtraFile struct {
	Name   string `json:"name"`
	Stored string `json:"stored"`
	SHA256 string `json:"sha256"`
}
