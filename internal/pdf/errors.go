package pdf

import (
	"errors"
	"fmt"

	"github.com/chinhquyen/chinhquyen/internal/apperr"
)

// Sentinel causes, reachable with errors.Is through the *apperr.Error the
// package returns.
var (
	// ErrCorrupt: the file is not a readable PDF (bad syntax, broken or
	// missing cross-reference data, truncated).
	ErrCorrupt = errors.New("pdf: corrupt file")
	// ErrEncrypted: the file has an /Encrypt dictionary.
	ErrEncrypted = errors.New("pdf: encrypted file")
	// ErrUnsupported: a valid PDF feature this package does not handle.
	ErrUnsupported = errors.New("pdf: unsupported feature")
	// ErrTooComplex: reading the file exceeded its Limits (nesting, objects,
	// decoded bytes or time).
	ErrTooComplex = errors.New("pdf: file too complex")
)

func corrupt(format string, args ...any) error {
	return &apperr.Error{
		Code:    apperr.Invalid,
		Message: "Tệp PDF bị hỏng hoặc không đầy đủ (có thể đã bị cắt cụt), không đọc được.",
		Err:     fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...),
	}
}

func encrypted() error {
	return &apperr.Error{
		Code:    apperr.Invalid,
		Message: "Tệp PDF đã được mã hóa (đặt mật khẩu). Hệ thống không ký hoặc kiểm tra tệp PDF mã hóa; vui lòng gỡ mật khẩu rồi thử lại.",
		Err:     ErrEncrypted,
	}
}

func unsupported(format string, args ...any) error {
	return &apperr.Error{
		Code:    apperr.Invalid,
		Message: "Tệp PDF dùng tính năng mà hệ thống chưa hỗ trợ.",
		Err:     fmt.Errorf("%w: "+format, append([]any{ErrUnsupported}, args...)...),
	}
}
