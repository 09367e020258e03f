"""FarmHash's 64-bit fingerprint (``farmhash::Fingerprint64``, the ``farmhashna`` variant),
written from the algorithm's published description in plain Python.

TensorFlow's ``tf.strings.to_hash_bucket_fast(s, n)`` is ``Fingerprint64(utf8(s)) % n``, and
Keras's ``Hashing`` layer (without a ``salt``) bins strings with it; glassnet's ``Hashing``
uses this function so that the same string lands in the same bin as in Keras.

All arithmetic is modulo 2⁶⁴ (``& MASK``), bytes are read little-endian, as on the x86 and
ARM machines where TensorFlow's values were recorded. A worked value:
``fingerprint64(b"") == 0x9AE16A3B2F90404F`` (the constant ``k2``).
"""

from __future__ import annotations

MASK = (1 << 64) - 1
k0 = 0xC3A5C85C97CB3127
k1 = 0xB492B66FBE98F273
k2 = 0x9AE16A3B2F90404F


def _fetch64(s: bytes, i: int) -> int:
    return int.from_bytes(s[i:i + 8], "little")


def _fetch32(s: bytes, i: int) -> int:
    return int.from_bytes(s[i:i + 4], "little")


def _rotate(v: int, shift: int) -> int:
    """Right rotation of a 64-bit value."""
    return v if shift == 0 else ((v >> shift) | (v << (64 - shift))) & MASK


def _shift_mix(v: int) -> int:
    return v ^ (v >> 47)


def _hash_len16(u: int, v: int, mul: int) -> int:
    """Murmur-inspired mixing of two 64-bit values."""
    a = ((u ^ v) * mul) & MASK
    a ^= a >> 47
    b = ((v ^ a) * mul) & MASK
    b ^= b >> 47
    return (b * mul) & MASK


def _len0to16(s: bytes) -> int:
    n = len(s)
    if n >= 8:
        mul = k2 + n * 2
        a = (_fetch64(s, 0) + k2) & MASK
        b = _fetch64(s, n - 8)
        c = (_rotate(b, 37) * mul + a) & MASK
        d = ((_rotate(a, 25) + b) * mul) & MASK
        return _hash_len16(c, d, mul)
    if n >= 4:
        mul = k2 + n * 2
        return _hash_len16(n + (_fetch32(s, 0) << 3), _fetch32(s, n - 4), mul)
    if n > 0:
        y = (s[0] + (s[n >> 1] << 8)) & 0xFFFFFFFF
        z = (n + (s[n - 1] << 2)) & 0xFFFFFFFF
        return (_shift_mix(((y * k2) ^ (z * k0)) & MASK) * k2) & MASK
    return k2


def _len17to32(s: bytes) -> int:
    n = len(s)
    mul = k2 + n * 2
    a = (_fetch64(s, 0) * k1) & MASK
    b = _fetch64(s, 8)
    c = (_fetch64(s, n - 8) * mul) & MASK
    d = (_fetch64(s, n - 16) * k2) & MASK
    return _hash_len16((_rotate((a + b) & MASK, 43) + _rotate(c, 30) + d) & MASK,
                       (a + _rotate((b + k2) & MASK, 18) + c) & MASK, mul)


def _len33to64(s: bytes) -> int:
    n = len(s)
    mul = k2 + n * 2
    a = (_fetch64(s, 0) * k2) & MASK
    b = _fetch64(s, 8)
    c = (_fetch64(s, n - 8) * mul) & MASK
    d = (_fetch64(s, n - 16) * k2) & MASK
    y = (_rotate((a + b) & MASK, 43) + _rotate(c, 30) + d) & MASK
    z = _hash_len16(y, (a + _rotate((b + k2) & MASK, 18) + c) & MASK, mul)
    e = (_fetch64(s, 16) * mul) & MASK
    f = _fetch64(s, 24)
    g = ((y + _fetch64(s, n - 32)) * mul) & MASK
    h = ((z + _fetch64(s, n - 24)) * mul) & MASK
    return _hash_len16((_rotate((e + f) & MASK, 43) + _rotate(g, 30) + h) & MASK,
                       (e + _rotate((f + a) & MASK, 18) + g) & MASK, mul)


def _weak32(s: bytes, i: int, a: int, b: int) -> tuple[int, int]:
    """A 16-byte hash of ``s[i:i+32]`` with the seeds ``a`` and ``b``."""
    w, x, y, z = (_fetch64(s, i + 8 * j) for j in range(4))
    a = (a + w) & MASK
    b = _rotate((b + a + z) & MASK, 21)
    c = a
    a = (a + x + y) & MASK
    b = (b + _rotate(a, 44)) & MASK
    return (a + z) & MASK, (b + c) & MASK


def fingerprint64(data: bytes | str) -> int:
    """FarmHash ``Fingerprint64`` of ``data`` (a ``str`` is hashed as its UTF-8 bytes):
    an integer in ``[0, 2⁶⁴)``."""
    s = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    n = len(s)
    if n <= 16:
        return _len0to16(s)
    if n <= 32:
        return _len17to32(s)
    if n <= 64:
        return _len33to64(s)
    # longer strings: 64-byte blocks through an internal state v, w, x, y, z
    seed = 81
    x = (seed * k2 + _fetch64(s, 0)) & MASK
    y = (seed * k1 + 113) & MASK
    z = (_shift_mix((y * k2 + 113) & MASK) * k2) & MASK
    v = (0, 0)
    w = (0, 0)
    end = ((n - 1) // 64) * 64
    last64 = n - 64
    i = 0
    while True:
        x = (_rotate((x + y + v[0] + _fetch64(s, i + 8)) & MASK, 37) * k1) & MASK
        y = (_rotate((y + v[1] + _fetch64(s, i + 48)) & MASK, 42) * k1) & MASK
        x ^= w[1]
        y = (y + v[0] + _fetch64(s, i + 40)) & MASK
        z = (_rotate((z + w[0]) & MASK, 33) * k1) & MASK
        v = _weak32(s, i, (v[1] * k1) & MASK, (x + w[0]) & MASK)
        w = _weak32(s, i + 32, (z + w[1]) & MASK, (y + _fetch64(s, i + 16)) & MASK)
        z, x = x, z
        i += 64
        if i == end:
            break
    mul = k1 + ((z & 0xFF) << 1)
    i = last64
    w = ((w[0] + ((n - 1) & 63)) & MASK, w[1])
    v = ((v[0] + w[0]) & MASK, v[1])
    w = ((w[0] + v[0]) & MASK, w[1])
    x = (_rotate((x + y + v[0] + _fetch64(s, i + 8)) & MASK, 37) * mul) & MASK
    y = (_rotate((y + v[1] + _fetch64(s, i + 48)) & MASK, 42) * mul) & MASK
    x ^= (w[1] * 9) & MASK
    y = (y + v[0] * 9 + _fetch64(s, i + 40)) & MASK
    z = (_rotate((z + w[0]) & MASK, 33) * mul) & MASK
    v = _weak32(s, i, (v[1] * mul) & MASK, (x + w[0]) & MASK)
    w = _weak32(s, i + 32, (z + w[1]) & MASK, (y + _fetch64(s, i + 16)) & MASK)
    z, x = x, z
    return _hash_len16((_hash_len16(v[0], w[0], mul) + _shift_mix(y) * k0 + z) & MASK,
                       (_hash_len16(v[1], w[1], mul) + x) & MASK, mul)
