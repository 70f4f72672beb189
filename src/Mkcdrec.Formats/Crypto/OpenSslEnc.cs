using System.Security.Cryptography;

namespace Mkcdrec.Formats.Crypto;

/// <summary>
/// The stream format of <c>openssl enc -aes-256-cbc -pbkdf2 -iter N</c>: the 8 bytes "Salted__", an 8-byte salt,
/// then AES-256-CBC ciphertext with PKCS#7 padding. Key and IV are the first 32 and next 16 bytes of
/// PBKDF2-HMAC-SHA256(passphrase, salt, N). So <c>openssl enc -d -aes-256-cbc -pbkdf2 -iter N -pass file:F</c> decrypts it.
/// </summary>
public static class OpenSslEnc
{
    public const int HeaderLength = 16;
    public const int SaltLength = 8;
    public const int DefaultIterations = 100_000;
    private static ReadOnlySpan<byte> Magic => "Salted__"u8;

    public static (byte[] Key, byte[] Iv) DeriveKeyAndIv(ReadOnlySpan<byte> passphrase, ReadOnlySpan<byte> salt, int iterations)
    {
        Span<byte> km = stackalloc byte[48];
        Rfc2898DeriveBytes.Pbkdf2(passphrase, salt, km, iterations, HashAlgorithmName.SHA256);
        var r = (km[..32].ToArray(), km[32..].ToArray());
        CryptographicOperations.ZeroMemory(km);
        return r;
    }

    /// <summary>Writes the header to <paramref name="output"/> and returns a stream that encrypts into it. Dispose it to write the final block.</summary>
    public static Stream Encrypt(Stream output, ReadOnlySpan<byte> passphrase, int iterations, bool leaveOpen = false, byte[]? salt = null)
    {
        salt ??= RandomNumberGenerator.GetBytes(SaltLength);
        if (salt.Length != SaltLength)
        {
            throw new ArgumentException("The salt must be 8 bytes.", nameof(salt));
        }

        var (key, iv) = DeriveKeyAndIv(passphrase, salt, iterations);
        output.Write(Magic);
        output.Write(salt);
        using var aes = Aes.Create();
        aes.Key = key;
        CryptographicOperations.ZeroMemory(key);
        var transform = aes.CreateEncryptor(aes.Key, iv);
        return new CryptoStream(output, transform, CryptoStreamMode.Write, leaveOpen);
    }

    /// <summary>Reads the header from <paramref name="input"/> and returns a stream of the plaintext.</summary>
    public static Stream Decrypt(Stream input, ReadOnlySpan<byte> passphrase, int iterations, bool leaveOpen = false)
    {
        Span<byte> header = stackalloc byte[HeaderLength];
        var got = 0;
        while (got < HeaderLength)
        {
            var n = input.Read(header[got..]);
            if (n == 0)
            {
                throw new InvalidDataException($"encrypted stream ends at byte {got}: shorter than its 16-byte 'Salted__' header.");
            }

            got += n;
        }

        if (!header[..8].SequenceEqual(Magic))
        {
            throw new InvalidDataException("encrypted stream does not start with 'Salted__' (byte 0): not an openssl enc stream, or damaged.");
        }

        var (key, iv) = DeriveKeyAndIv(passphrase, header[8..], iterations);
        using var aes = Aes.Create();
        aes.Key = key;
        CryptographicOperations.ZeroMemory(key);
        return new CryptoStream(input, aes.CreateDecryptor(aes.Key, iv), CryptoStreamMode.Read, leaveOpen);
    }
}
