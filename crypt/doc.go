// Package crypt protects person-identifying data at rest: it holds the keys,
// seals and opens field values, and computes blind indexes so that stored
// values can be searched without a plaintext column.
//
// # Keys: envelope encryption
//
// One 32-byte master key per installation (from HAVEN_MASTER_KEY, an explicit
// key file, or DATA_DIR/keys/master.key, created 0600 on first start). The
// master key never encrypts person data itself: it only wraps data keys
// (DEKs), random 32-byte AES keys named by a caller-chosen id ("dk-…"). The
// wrapped DEKs live in the database; rotating the master key means re-wrapping
// a handful of DEKs, not re-encrypting every row. WrapDataKey binds the key id
// as additional data, so a wrapped key cannot be relabelled as another id.
//
// # Sealing values
//
// A Keyring holds the unwrapped DEKs and one current id. Seal encrypts with
// AES-256-GCM under the current DEK and embeds the key id in the output:
//
//	version (1) | id length | id | 12-byte random nonce | ciphertext and tag
//
// so Open finds the right key after any number of rotations (WithCurrent adds
// a key and makes it current; older values still open). The additional data
// is the value's place, "table/column/record-id" (see AAD), so a ciphertext
// copied to another row or column fails to open. Random 96-bit nonces are safe
// for about 2^32 seals per key; rotate data keys long before that.
//
// # Blind indexes
//
// An Indexer maps a value to a keyed HMAC-SHA256 (truncated to 128 bits, hex)
// of its normalized form, so "find the person with this date of birth" or
// "names sounding like Smith" is an equality lookup on index values. The
// index key is derived per agency with HKDF from the master key, so index
// values of one agency are never comparable with another's: a leaked index
// column cannot be joined across agencies. Phonetic indexes use Double
// Metaphone (DoubleMetaphone) before the HMAC.
//
// The package does no I/O except LoadMasterKey, which reads (and on first
// start writes) the master key file.
package crypt
