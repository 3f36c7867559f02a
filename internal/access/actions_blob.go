package access

// The file store's actions.
const (
	// BlobUpload sends a file to the platform: any signed-in person may,
	// as the owner of what they send; a module that later attaches it
	// decides who else reads it.
	BlobUpload Action = "blob.upload.create"
)

func init() {
	register(
		ActionDef{Name: BlobUpload, Summary: "Tải tệp lên hệ thống", Write: true, Anyone: AnyoneSelf},
	)
}
