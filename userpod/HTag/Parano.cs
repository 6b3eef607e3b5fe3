using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace HTag;

/// <summary>
/// Parano mode's crypto: AES-256-GCM with a random per-instance key; a payload is
/// base64(12-byte nonce ‖ ciphertext ‖ 16-byte tag). The associated data binds direction, instance and
/// connection, so a message cannot be reflected back or replayed on another connection.
/// </summary>
sealed class ParanoCipher(byte[] key) : IDisposable
{
    const int NonceSize = 12, TagSize = 16;
    readonly AesGcm _aes = new(key, TagSize);

    public byte[] Key { get; } = key;

    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(32);

    public string Seal(ReadOnlySpan<byte> plaintext, string aad)
    {
        var output = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        lock (_aes)
            _aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length),
                Encoding.UTF8.GetBytes(aad));
        return Convert.ToBase64String(output);
    }

    /// <summary>The plaintext, or null when the payload is malformed or was tampered with.</summary>
    public byte[]? Open(string payload, string aad)
    {
        byte[] raw;
        try { raw = Convert.FromBase64String(payload); }
        catch (FormatException) { return null; }
        if (raw.Length < NonceSize + TagSize) return null;
        var plain = new byte[raw.Length - NonceSize - TagSize];
        try
        {
            lock (_aes)
                _aes.Decrypt(raw.AsSpan(0, NonceSize), raw.AsSpan(NonceSize, plain.Length), raw.AsSpan(NonceSize + plain.Length), plain,
                    Encoding.UTF8.GetBytes(aad));
        }
        catch (AuthenticationTagMismatchException) { return null; }
        return plain;
    }

    public void Dispose() => _aes.Dispose();
}

/// <summary>One encrypted conversation (a WebSocket, or an instance's POSTs): AAD plus sequence numbers both ways.</summary>
sealed class ParanoChannel(ParanoCipher cipher, string binding)
{
    long _lastIn;
    long _out;

    /// <summary>What binds the messages (instance id and connection id).</summary>
    public string Binding { get; private set; } = binding;

    /// <summary>Switches to a new binding and restarts the sequence numbers (after the handshake).</summary>
    public void Rebind(string binding)
    {
        Binding = binding;
        _lastIn = 0;
    }

    /// <summary>Decrypts a browser message; null with a reason when tampered, malformed or replayed.</summary>
    public ClientMessage? Open(ClientMessage outer, out string? error)
    {
        error = null;
        if (outer.P is null) { error = "parano: unencrypted message"; return null; }
        var plain = cipher.Open(outer.P, "c2s:" + Binding);
        if (plain is null) { error = "parano: message rejected (tampered or wrong key)"; return null; }
        ClientMessage? inner;
        try { inner = JsonSerializer.Deserialize(plain, WireJson.Default.ClientMessage); }
        catch (JsonException) { inner = null; }
        if (inner is null) { error = "parano: malformed message"; return null; }
        lock (this)
        {
            if (inner.Seq <= _lastIn) { error = "parano: replayed message"; return null; }
            _lastIn = inner.Seq;
        }
        return inner;
    }

    /// <summary>Encrypts a server message with the next sequence number. Call in send order.</summary>
    public ServerMessage Seal(ServerMessage msg, string? bindingOverride = null)
    {
        lock (this) msg.Seq = ++_out;
        var plain = JsonSerializer.SerializeToUtf8Bytes(msg, WireJson.Default.ServerMessage);
        msg.Seq = null;
        return new ServerMessage { P = cipher.Seal(plain, "s2c:" + (bindingOverride ?? Binding)) };
    }

    /// <summary>Encrypts as a browser would (tests, tools).</summary>
    internal string SealClient(ClientMessage msg)
    {
        var plain = JsonSerializer.SerializeToUtf8Bytes(msg, WireJson.Default.ClientMessage);
        return cipher.Seal(plain, "c2s:" + Binding);
    }

    /// <summary>Decrypts as a browser would (tests, tools); null when rejected.</summary>
    internal ServerMessage? OpenServer(string payload, string? bindingOverride = null)
    {
        var plain = cipher.Open(payload, "s2c:" + (bindingOverride ?? Binding));
        return plain is null ? null : JsonSerializer.Deserialize(plain, WireJson.Default.ServerMessage);
    }
}
