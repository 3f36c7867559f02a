package identityhttp

import "github.com/chinhquyen/chinhquyen/internal/apperr"

func identityUnauthorized() error {
	return apperr.New(apperr.Unauthorized, "Tiêu đề Authorization phải có dạng \"Bearer <mã>\"")
}

func enrolFirst() error {
	return apperr.New(apperr.Forbidden, "Tài khoản phải đăng ký xác thực hai lớp trước khi dùng chức năng này")
}
