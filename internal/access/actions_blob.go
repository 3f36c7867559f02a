package access

// The file store's actions.
const (
	// BlobUpload sends a file to the platform: any signed-in person may,
	// as the owner of what they send; a module that later attaches it
	// decides who else reads it.
	BlobUpload Action = "blob.upload.create"
	// BlobRead downloads an upload as such (GET /api/v1/uploads/{id}):
	// its uploader, and the platform itself. Everyone else reads a file
	// through the module that references it, under that module's rules.
	BlobRead Action = "blob.upload.read"
)

func init() {
	register(
		ActionDef{Name: BlobUpload, Summary: "Tải tệp lên hệ thống", Write: true, Anyone: AnyoneSelf},
		ActionDef{Name: BlobRead, Summary: "Tải về tệp mình đã tải lên", Anyone: AnyoneSelf},
	)
}
