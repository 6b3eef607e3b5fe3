using System.Text;
using HTagKube.Router.State;
using HTagKube.Routing.Identity;

namespace HTagKube.Router.Tests.State;

/// <summary>The IStateStore contract; every implementation runs exactly these tests.</summary>
public abstract class StateStoreContract : IAsyncLifetime
{
    protected IStateStore Store { get; private set; } = null!;
    protected static readonly TimeSpan Retention = TimeSpan.FromMinutes(30);

    /// <summary>A new, empty store.</summary>
    protected abstract Task<IStateStore> CreateStoreAsync();

    public async Task InitializeAsync() => Store = await CreateStoreAsync();
    public virtual async Task DisposeAsync() => await Store.DisposeAsync();

    protected static string NewUserKey() => UserKey.FromUid(UserKey.NewUid());
    protected static byte[] Doc(string json) => Encoding.UTF8.GetBytes(json);
    protected static string? Text(byte[]? doc) => doc is null ? null : Encoding.UTF8.GetString(doc);

    [Fact]
    public async Task An_unknown_user_has_no_document()
    {
        Assert.Null(await Store.GetAsync(NewUserKey(), Retention, default));
    }

    [Fact]
    public async Task A_document_reads_back_byte_for_byte_and_is_replaced_whole()
    {
        var user = NewUserKey();
        await Store.PutAsync(user, Doc("""{"count":1,"name":"é✓"}"""), Retention, default);
        Assert.Equal("""{"count":1,"name":"é✓"}""", Text(await Store.GetAsync(user, Retention, default)));

        await Store.PutAsync(user, Doc("""{"other":true}"""), Retention, default);
        Assert.Equal("""{"other":true}""", Text(await Store.GetAsync(user, Retention, default)));
    }

    [Fact]
    public async Task Users_never_see_each_others_documents()
    {
        var (alice, bob) = (NewUserKey(), NewUserKey());
        await Store.PutAsync(alice, Doc("""{"who":"alice"}"""), Retention, default);
        await Store.PutAsync(bob, Doc("""{"who":"bob"}"""), Retention, default);
        Assert.Equal("""{"who":"alice"}""", Text(await Store.GetAsync(alice, Retention, default)));
        Assert.Equal("""{"who":"bob"}""", Text(await Store.GetAsync(bob, Retention, default)));
    }

    [Fact]
    public async Task Delete_removes_only_that_users_document_and_says_whether_there_was_one()
    {
        var (user, other) = (NewUserKey(), NewUserKey());
        await Store.PutAsync(user, Doc("{}"), Retention, default);
        await Store.PutAsync(other, Doc("{}"), Retention, default);

        Assert.True(await Store.DeleteAsync(user, default));
        Assert.Null(await Store.GetAsync(user, Retention, default));
        Assert.False(await Store.DeleteAsync(user, default));
        Assert.NotNull(await Store.GetAsync(other, Retention, default));
    }

    [Fact]
    public async Task A_malformed_key_is_never_used()
    {
        // A uid (or anything not a userKey) must never become a key.
        await Assert.ThrowsAsync<ArgumentException>(() => Store.PutAsync(UserKey.NewUid(), Doc("{}"), Retention, default));
    }
}
