package telegramsim

import (
	"encoding/base64"
	"encoding/binary"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
)

type fileKind int

const (
	fileDocument fileKind = iota
	filePhoto
)

// file is a stored upload. Immutable once created.
type file struct {
	kind     fileKind
	id       string
	uniqueID string
	name     string
	mime     string
	data     []byte
	path     string // file_path for getFile and /file/bot<token>/<path>
}

// newFileLocked stores a file and gives it Telegram-looking identifiers.
func (s *Sim) newFileLocked(kind fileKind, name string, data []byte) *file {
	s.nextFile++
	var raw [12]byte
	binary.BigEndian.PutUint64(raw[:8], uint64(s.nextFile))
	binary.BigEndian.PutUint32(raw[8:], uint32(s.opts.BotID))
	enc := base64.RawURLEncoding.EncodeToString(raw[:])
	f := &file{kind: kind, name: name, data: data, uniqueID: "AgAD" + enc[:12]}
	dir, ext := "documents", path.Ext(name)
	if kind == filePhoto {
		f.id, dir, ext = "AgACAgIAAxkBAAI"+enc, "photos", ".jpg"
		f.name, f.mime = "", "image/jpeg"
	} else {
		f.id = "BQACAgIAAxkBAAI" + enc
		f.mime = mime.TypeByExtension(strings.ToLower(ext))
		if f.mime == "" {
			f.mime = "application/octet-stream"
		}
		if i := strings.IndexByte(f.mime, ';'); i >= 0 {
			f.mime = f.mime[:i]
		}
	}
	f.path = dir + "/file_" + strconv.FormatInt(s.nextFile, 10) + ext
	s.files[f.id] = f
	s.filePath[f.path] = f
	return f
}

// inputFileLocked reads an InputFile parameter: an upload, an attach:// reference
// or a file_id.
func (s *Sim) inputFileLocked(rq *request, field string, kind fileKind) (*file, error) {
	if up := rq.file(field); up != nil {
		name := up.name
		if name == "" {
			name = field
		}
		return s.newFileLocked(kind, name, up.data), nil
	}
	v := strings.TrimSpace(rq.str(field))
	switch {
	case v == "":
		return nil, badRequest("there is no %s in the request", field)
	case strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://"):
		return nil, badRequest("failed to get HTTP URL content")
	}
	f := s.files[v]
	if f == nil {
		return nil, badRequest("wrong file identifier/HTTP URL specified")
	}
	if f.kind != kind {
		return nil, badRequest("type of file mismatch")
	}
	return f, nil
}

type wireFile struct {
	FileID       string `json:"file_id"`
	FileUniqueID string `json:"file_unique_id"`
	FileSize     int    `json:"file_size,omitempty"`
	FilePath     string `json:"file_path,omitempty"`
}

func (s *Sim) getFile(rq *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[rq.str("file_id")]
	if f == nil {
		return nil, badRequest("invalid file_id")
	}
	return wireFile{FileID: f.id, FileUniqueID: f.uniqueID, FileSize: len(f.data), FilePath: f.path}, nil
}

// serveFile answers /file/bot<token>/<path>.
func (s *Sim) serveFile(w http.ResponseWriter, r *http.Request, rest string) {
	token, p, ok := strings.Cut(rest, "/")
	if !ok || token != s.opts.Token {
		writeAPI(w, nil, errNotFound)
		return
	}
	s.mu.Lock()
	f := s.filePath[p]
	s.mu.Unlock()
	if f == nil {
		writeAPI(w, nil, errNotFound)
		return
	}
	w.Header().Set("Content-Type", f.mime)
	w.Header().Set("Content-Length", strconv.Itoa(len(f.data)))
	_, _ = w.Write(f.data)
}

// File returns the bytes stored under a file_id (documents the bot sent or users
// uploaded).
func (s *Sim) File(fileID string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.files[fileID]
	if f == nil {
		return nil, false
	}
	return f.data, true
}
