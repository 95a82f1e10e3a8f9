"""Huawei Cloud SWR: the official SDK (huaweicloudsdkswr) against `sharesim serve`, unchanged.

Private repositories are shared through "access domains" with a deadline; the deadline is
checked on sharesim's virtual clock, which the test moves through the admin API.
"""

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkswr.v2 import (
    CreateRepoDomainsRequest,
    CreateRepoDomainsRequestBody,
    CreateRepoRequest,
    CreateRepoRequestBody,
    DeleteRepoDomainsRequest,
    DeleteRepoRequest,
    ListRepoDomainsRequest,
    ListSharedReposDetailsRequest,
    ShowAccessDomainRequest,
    ShowRepositoryRequest,
    SwrClient,
    UpdateRepoDomainsRequest,
    UpdateRepoDomainsRequestBody,
    UpdateRepoRequest,
    UpdateRepoRequestBody,
)

from common import suite

pytestmark = pytest.mark.sharesim(providers=["huawei-swr"])
NS = "ns-owner"


@pytest.fixture
def s(sharesim):
    yield from suite(sharesim, "huawei-swr")


def code(e):
    return e.error_code if isinstance(e, ClientRequestException) else None


class Swr:
    def __init__(self, s, account, secret=None, key_id=None, project=True):
        a = s.account(account)
        pid = a["identities"]["project_id"]["home"] if project else None
        cred = BasicCredentials(key_id or a["access_key_id"], secret or a["access_key_secret"], pid)
        self.c = SwrClient.new_builder().with_http_config(HttpConfig.get_default_config()).with_credentials(cred).with_endpoints([s.endpoint]).build()

    def create(self, repo, public=False):
        return self.c.create_repo(CreateRepoRequest(namespace=NS, body=CreateRepoRequestBody(repository=repo, is_public=public, category="linux")))

    def share(self, repo, who, deadline="forever", permit="read", description=None):
        body = CreateRepoDomainsRequestBody(access_domain=who, permit=permit, deadline=deadline, description=description)
        return self.c.create_repo_domains(CreateRepoDomainsRequest(namespace=NS, repository=repo, body=body))

    def update(self, repo, who, deadline):
        body = UpdateRepoDomainsRequestBody(permit="read", deadline=deadline, description="updated")
        return self.c.update_repo_domains(UpdateRepoDomainsRequest(namespace=NS, repository=repo, access_domain=who, body=body))

    def set_public(self, repo, public):
        return self.c.update_repo(UpdateRepoRequest(namespace=NS, repository=repo, body=UpdateRepoRequestBody(is_public=public)))

    def unshare(self, repo, who):
        return self.c.delete_repo_domains(DeleteRepoDomainsRequest(namespace=NS, repository=repo, access_domain=who))

    def domains(self, repo):
        return self.c.list_repo_domains(ListRepoDomainsRequest(namespace=NS, repository=repo)).body

    def shared_with_me(self):
        return self.c.list_shared_repos_details(ListSharedReposDetailsRequest(center="thirdparty"))

    def show(self, repo):
        return self.c.show_repository(ShowRepositoryRequest(namespace=NS, repository=repo))


def test_share_expire_limit_delete(s):
    owner, alice, bob = Swr(s, "owner"), Swr(s, "alice"), Swr(s, "bob")

    s.section("share, list, expire, renew")
    r = s.run("owner creates a private repository", lambda: owner.create("busybox"))
    s.check("201 Created", r is not None and r.status_code == 201, f"got {r and r.status_code}")
    r = s.run("owner shares it with alice, forever", lambda: owner.share("busybox", "alice"))
    s.check("201 Created", r is not None and r.status_code == 201, f"got {r and r.status_code}")
    r = s.run("alice lists center=thirdparty", alice.shared_with_me)
    names = [x.name for x in r.body] if r is not None else None
    s.check("alice sees busybox, valid (HS-FROM-OTHERS)", names == ["busybox"] and r.body[0].status is True, f"got {names}")
    s.check("with a Content-Range header", r is not None and r.content_range == "0-1/1", f"got {r and r.content_range}")
    d = s.run("owner lists access domains (HS-MY-SHARED)", lambda: owner.domains("busybox"))
    s.check("alice with permit read", d is not None and [(x.access_domain, x.permit) for x in d] == [("alice", "read")], f"got {d}")
    s.refused("a second share with alice (HS-DUPLICATE)", lambda: owner.share("busybox", "alice"), "SVCSTG.SWR.4090089", code)
    s.refused("alice shares on (HS-MANAGER-ONLY)", lambda: alice.c.create_repo_domains(CreateRepoDomainsRequest(namespace=NS, repository="busybox", body=CreateRepoDomainsRequestBody(access_domain="bob", permit="read", deadline="forever"))), "SVCSTG.SWR.4039002", code)
    now = s.clock()
    in_an_hour = now[:11] + "%02d" % (int(now[11:13]) + 1) + now[13:19] + ".000Z"
    s.run("owner shares with bob for one hour", lambda: owner.share("busybox", "bob", deadline=in_an_hour))
    s.advance(3601)
    r = s.run("bob lists after the deadline", bob.shared_with_me)
    s.check("bob's share is expired (HS-VALID-UNTIL)", r is not None and r.body[0].status is False, f"got {r and r.body}")
    s.refused("bob cannot read the repository any more", lambda: bob.show("busybox"), "SVCSTG.SWR.4037020", code)
    s.run("owner renews bob's share (HS-UPDATE)", lambda: owner.update("busybox", "bob", "forever"))
    r = s.run("bob lists again", bob.shared_with_me)
    s.check("valid again", r is not None and r.body[0].status is True, f"got {r and r.body}")
    r = s.run("owner removes bob's access domain", lambda: owner.unshare("busybox", "bob"))
    s.check("204 No Content", r is not None and r.status_code == 204, f"got {r and r.status_code}")
    s.refused("the domain is gone", lambda: owner.c.show_access_domain(ShowAccessDomainRequest(namespace=NS, repository="busybox", access_domain="bob")), "SVCSTG.SWR.4001090", code)

    s.section("what cannot be shared")
    s.run("owner creates a public repository", lambda: owner.create("pub", public=True))
    s.refused("a public repository (HS-PRIVATE-ONLY)", lambda: owner.share("pub", "alice"), "SVCSTG.SWR.4000014", code)
    r = s.run("owner makes busybox public (HS-MAKE-PUBLIC)", lambda: owner.set_public("busybox", True))
    s.check("201 Created", r is not None and r.status_code == 201, f"got {r and r.status_code}")
    s.refused("now it cannot be shared (HS-PRIVATE-ONLY)", lambda: owner.share("busybox", "bob"), "SVCSTG.SWR.4000014", code)
    d = s.run("owner lists its access domains", lambda: owner.domains("busybox"))
    s.check("alice's is kept (HS-PUBLIC-KEEPS-SHARES)", d is not None and [x.access_domain for x in d] == ["alice"], f"got {d}")
    s.refused("alice cannot make it private (HS-PULL-ONLY)", lambda: alice.set_public("busybox", False), "SVCSTG.SWR.4037020", code)
    s.run("owner makes busybox private again", lambda: owner.set_public("busybox", False))
    s.refused("permit write (HS-PERMIT-READ)", lambda: owner.share("busybox", "bob", permit="write"), "SVCSTG.SWR.4001066", code)
    s.refused("a 1001-character description (HS-DESCRIPTION)", lambda: owner.share("busybox", "bob", description="x" * 1001), "SVCSTG.SWR.4131012", code)

    s.section("the limit: 500 accounts, one per request")
    s.run("owner creates a repository for the crowd", lambda: owner.create("crowded"))
    done = 0
    for i in range(1, 501):
        try:
            owner.share("crowded", f"crowd{i}")
            done += 1
        except ClientRequestException as e:
            s.check(f"share with crowd{i}", False, f"{e.error_code} {e.error_msg}")
            break
    s.check("500 shares accepted", done == 500, f"got {done}")
    s.refused("the 501st is refused (HS-LIMIT-500)", lambda: owner.share("crowded", "alice"), "SVCSTG.SWR.4000014", code)
    d = s.run("owner lists the access domains", lambda: owner.domains("crowded"))
    s.check("exactly 500", d is not None and len(d) == 500, f"got {d and len(d)}")

    s.section("delete a shared repository, authentication")
    r = s.run("owner deletes busybox while shared (HS-DELETE-SHARED)", lambda: owner.c.delete_repo(DeleteRepoRequest(namespace=NS, repository="busybox")))
    s.check("204 No Content", r is not None and r.status_code == 204, f"got {r and r.status_code}")
    r = s.run("alice lists after the delete", alice.shared_with_me)
    s.check("busybox is gone for alice (HS-AFTER-DELETE)", r is not None and "busybox" not in [x.name for x in (r.body or [])], f"got {r and r.body}")
    r = s.run("a client without a project ID", lambda: Swr(s, "alice", project=False).shared_with_me())
    s.check("is served", r is not None, "")
    s.refused("a wrong secret is refused", lambda: Swr(s, "owner", secret="not-the-secret").domains("crowded"), "APIGW.0301", code)
    s.refused("an unknown key is refused", lambda: Swr(s, "owner", key_id="NOSUCHKEY00000000000").domains("crowded"), "APIGW.0301", code)
    s.finish()
