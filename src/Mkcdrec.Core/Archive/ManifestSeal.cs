using System.IO.Compression;
using System.Security.Cryptography;
using Mkcdrec.Formats.Crypto;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Archive;

/// <summary>
/// The manifest of an encrypted backup (docs/secrets.md): written as its public part with the whole manifest sealed
/// inside (<see cref="SealedManifest"/>), read back whole with the passphrase. Without it, only the volumes can be checked.
/// </summary>
public static class ManifestSeal
{
    private static ReadOnlySpan<byte> MacLabel => "mkcdrec sealed manifest v1"u8;

    /// <summary>A manifest needs sealing when any of its archives is encrypted.</summary>
    public static bool NeedsSeal(BackupManifest m) => m.Archives.Any(a => a.Encryption is not null);

    /// <summary>Writes the manifest as it is stored: sealed with <paramref name="passphrase"/> when an archive is encrypted.</summary>
    public static void Write(Stream output, BackupManifest manifest, byte[]? passphrase)
    {
        if (!NeedsSeal(manifest))
        {
            manifest.WriteTo(output);
            return;
        }

        if (passphrase is null)
        {
            throw new MkcdrecException(ExitCode.Usage, "The backup holds encrypted archives: its manifest is written encrypted too.",
                "Give the backup's passphrase with --passphrase-file FILE.");
        }

        Seal(manifest, passphrase).WriteTo(output);
    }

    /// <summary>The public part of <paramref name="manifest"/> with the whole of it encrypted inside.</summary>
    public static BackupManifest Seal(BackupManifest manifest, byte[] passphrase)
    {
        var iterations = manifest.Archives.First(a => a.Encryption is not null).Encryption!.Iterations;
        var encrypted = new MemoryStream();
        using (var enc = OpenSslEnc.Encrypt(encrypted, passphrase, iterations, leaveOpen: true))
        using (var gz = new GZipStream(enc, CompressionLevel.Optimal))
        {
            // The whole manifest, never a seal inside a seal; the caller's manifest is left as it was.
            var was = manifest.Sealed;
            manifest.Sealed = null;
            try
            {
                manifest.WriteTo(gz);
            }
            finally
            {
                manifest.Sealed = was;
            }
        }

        var bytes = encrypted.ToArray();
        var macSalt = RandomNumberGenerator.GetBytes(16);
        using var mac = new VolumeMac(passphrase, macSalt, iterations);
        return manifest.PublicPart(new SealedManifest
        {
            Encryption = new EncryptionRecord
            {
                Iterations = iterations,
                MacSalt = Convert.ToHexStringLower(macSalt),
                KeyCheck = Convert.ToHexStringLower(mac.KeyCheck()),
            },
            Hmac = Convert.ToHexStringLower(mac.Tag(MacLabel, bytes)),
            Data = Convert.ToBase64String(bytes),
        });
    }

    /// <summary>Reads a stored manifest.json; an encrypted backup's whole manifest when the passphrase is given, else its public part.</summary>
    public static BackupManifest Read(byte[] json, string where, byte[]? passphrase) => Open(BackupManifest.Parse(json, where), where, passphrase);

    /// <summary>
    /// The whole manifest of a sealed one, after checking the passphrase and the seal's MAC, and that it describes the
    /// same archives and volumes as its public part; a plain manifest, or no passphrase: <paramref name="stored"/> itself.
    /// </summary>
    public static BackupManifest Open(BackupManifest stored, string where, byte[]? passphrase)
    {
        if (stored.Sealed is not { } s || passphrase is null)
        {
            return stored;
        }

        var enc = s.Encryption;
        if (enc.Cipher != "aes-256-cbc" || enc.Kdf != "pbkdf2-sha256" || enc.Iterations is <= 0 or > ArchiveSource.MaxIterations)
        {
            throw new InvalidDataException($"{where}: the manifest is sealed with {enc.Cipher}/{enc.Kdf}/{enc.Iterations}, which this mkcdrec does not know.");
        }

        byte[] bytes, macSalt, keyCheck, tag;
        try
        {
            (bytes, macSalt, keyCheck, tag) = (Convert.FromBase64String(s.Data), Convert.FromHexString(enc.MacSalt), Convert.FromHexString(enc.KeyCheck), Convert.FromHexString(s.Hmac));
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"{where}: the sealed manifest is damaged ({e.Message}).", e);
        }

        using (var mac = new VolumeMac(passphrase, macSalt, enc.Iterations))
        {
            if (!CryptographicOperations.FixedTimeEquals(mac.KeyCheck(), keyCheck))
            {
                throw new MkcdrecException(ExitCode.BadInput, $"Wrong passphrase for the backup of {where}.",
                    "Give the passphrase the backup was made with; nothing was read or changed.");
            }

            if (!CryptographicOperations.FixedTimeEquals(mac.Tag(MacLabel, bytes), tag))
            {
                throw new InvalidDataException($"{where}: the sealed manifest does not match its MAC: it was damaged or altered.");
            }
        }

        byte[] plain;
        try
        {
            using var dec = OpenSslEnc.Decrypt(new MemoryStream(bytes), passphrase, enc.Iterations);
            using var gz = new GZipStream(dec, CompressionMode.Decompress);
            var buffer = new MemoryStream();
            gz.CopyTo(buffer);
            plain = buffer.ToArray();
        }
        catch (Exception e) when (e is CryptographicException or InvalidDataException)
        {
            throw new InvalidDataException($"{where}: the sealed manifest does not decrypt ({e.Message}).", e);
        }

        var whole = BackupManifest.Parse(plain, where + " (sealed part)");
        CheckSame(stored, whole, where);
        return whole;
    }

    // The public part is what verify checks the volumes against: the sealed whole must describe the very same volumes.
    private static void CheckSame(BackupManifest stored, BackupManifest whole, string where)
    {
        static string Key(BackupManifest m) => string.Join("\n", m.Archives.Select(a =>
            $"{a.FilesystemId}|{a.Compression}|{a.ChunkSize}|{a.ChunkHash}|{a.Encryption?.MacSalt}|{a.Incomplete}|" +
            string.Join(",", a.Volumes.Select(v => $"{v.File}:{v.Size}:{v.Sha256}:{v.Hmac}:{string.Join(".", v.Chunks)}")))) + $"\n{m.Level}|{m.Parent?.Name}|{m.Parent?.ManifestSha256}|{m.Created:O}";
        if (Key(stored) != Key(whole))
        {
            throw new InvalidDataException($"{where}: the sealed manifest and the readable one describe different archives or volumes: it was altered.");
        }
    }
}
