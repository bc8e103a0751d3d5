package shred

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// KeyWrapper wraps and unwraps data keys: the master key stays with it,
// only wrapped keys reach the store. NewAESKeyWrapper is the local one; a
// KMS can implement it later. Implementations must be safe for concurrent
// use.
type KeyWrapper interface {
	// Wrap encrypts key, bound to subject.
	Wrap(subject string, key []byte) ([]byte, error)
	// Unwrap decrypts a wrapped key of subject; it fails (ErrWrongMasterKey)
	// when the key was wrapped with another master key or altered.
	Unwrap(subject string, wrapped []byte) ([]byte, error)
}

// ErrWrongMasterKey: a wrapped key (or the store's key check) does not
// open with this master key.
var ErrWrongMasterKey = errors.New("shred: the master key does not open the store's keys (wrong master key)")

// MasterKeySize is the size of a master key and of a data key: AES-256.
const MasterKeySize = 32

type aesWrapper struct{ aead cipher.AEAD }

// NewAESKeyWrapper wraps keys with AES-256-GCM under master (32 bytes),
// with the subject as additional data.
func NewAESKeyWrapper(master []byte) (KeyWrapper, error) {
	if len(master) != MasterKeySize {
		return nil, fmt.Errorf("shred: the master key is %d bytes, want %d", len(master), MasterKeySize)
	}
	aead, err := newGCM(master)
	if err != nil {
		return nil, err
	}
	return &aesWrapper{aead: aead}, nil
}

func (w *aesWrapper) Wrap(subject string, key []byte) ([]byte, error) {
	return seal(w.aead, key, []byte("actorstore key "+subject))
}

func (w *aesWrapper) Unwrap(subject string, wrapped []byte) ([]byte, error) {
	key, err := open(w.aead, wrapped, []byte("actorstore key "+subject))
	if err != nil {
		return nil, ErrWrongMasterKey
	}
	return key, nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// seal returns nonce || ciphertext: a random 96-bit nonce per message.
func seal(aead cipher.AEAD, plain, ad []byte) ([]byte, error) {
	out := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, err
	}
	return aead.Seal(out, out, plain, ad), nil
}

func open(aead cipher.AEAD, sealed, ad []byte) ([]byte, error) {
	n := aead.NonceSize()
	if len(sealed) < n+aead.Overhead() {
		return nil, errors.New("shred: ciphertext too short")
	}
	return aead.Open(nil, sealed[:n], sealed[n:], ad)
}
