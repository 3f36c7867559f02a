package audit

// signer signs checkpoints; see loadSigner.
type signer struct{}

func loadSigner(opts Options) (*signer, error) { return nil, nil }
