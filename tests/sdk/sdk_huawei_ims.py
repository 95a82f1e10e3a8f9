"""Huawei Cloud IMS: the official SDK (huaweicloudsdkims) against `sharesim serve`, unchanged.

Member operations are asynchronous jobs: every add, accept and delete is followed by its job
query, whose status reflects the engine's decision for each member.

The workflow section drives the same listener with the official ECS and KMS SDKs
(huaweicloudsdkecs, huaweicloudsdkkms) as a client runs it: an image made from a server, shared,
used by the recipient's servers only once accepted, refused to a stranger and after a cancel
(while the recipient's server stays), and an encrypted image usable only while its custom key is
granted to the recipient's account.
"""

import pytest
from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkims.v2 import (
    BatchAddMembersRequest,
    BatchAddMembersRequestBody,
    BatchUpdateMembersRequest,
    BatchUpdateMembersRequestBody,
    CopyImageCrossRegionRequest,
    CopyImageCrossRegionRequestBody,
    GlanceDeleteImageRequest,
    GlanceDeleteImageRequestBody,
    GlanceShowImageRequest,
    ImsClient,
    ListImageMembersRequest,
    ListImagesRequest,
    ShowJobRequest,
)

from huaweicloudsdkecs.v2 import (
    ChangeServerOsWithCloudInitOption,
    ChangeServerOsWithCloudInitRequest,
    ChangeServerOsWithCloudInitRequestBody,
    CreatePostPaidServersRequest,
    CreatePostPaidServersRequestBody,
    CreateServersRequest,
    CreateServersRequestBody,
    DeleteServersRequest,
    DeleteServersRequestBody,
    EcsClient,
    PostPaidServer,
    PostPaidServerNic,
    PostPaidServerRootVolume,
    PrePaidServer,
    PrePaidServerNic,
    PrePaidServerRootVolume,
    ReinstallServerWithCloudInitOption,
    ReinstallServerWithCloudInitRequest,
    ReinstallServerWithCloudInitRequestBody,
    ServerId,
    ShowServerRequest,
)
from huaweicloudsdkecs.v2 import ShowJobRequest as EcsShowJobRequest
from huaweicloudsdkims.v2 import CreateImageRequest, CreateImageRequestBody, ShowImageQuotaRequest
from huaweicloudsdkkms.v2 import (
    CancelGrantRequest,
    CreateGrantRequest,
    CreateGrantRequestBody,
    KmsClient,
    ListGrantsRequest,
    ListGrantsRequestBody,
    RevokeGrantRequestBody,
)

from common import suite

pytestmark = pytest.mark.sharesim(providers=["huawei-ims"])


@pytest.fixture
def s(sharesim):
    yield from suite(sharesim, "huawei-ims")


def code(e):
    return e.error_code if isinstance(e, ClientRequestException) else None


def projects(s):
    """`project(name, region="home")`: the account's project ID in that region of `s`'s world."""
    return lambda name, region="home": s.account(name)["identities"]["project_id"][region]


class Ims:
    def __init__(self, s, account, region="home", secret=None, key_id=None):
        a = s.account(account)
        cfg = HttpConfig.get_default_config()
        cfg.retry_times = 0
        cred = BasicCredentials(key_id or a["access_key_id"], secret or a["access_key_secret"], projects(s)(account, region))
        self.c = ImsClient.new_builder().with_http_config(cfg).with_credentials(cred).with_endpoints([s.endpoint]).build()

    def job(self, job_id):
        return self.c.show_job(ShowJobRequest(job_id=job_id))

    def add(self, images, projects):
        r = self.c.batch_add_members(BatchAddMembersRequest(body=BatchAddMembersRequestBody(images=images, projects=projects)))
        return self.job(r.job_id)

    def answer(self, images, me, status):
        body = BatchUpdateMembersRequestBody(images=images, project_id=me, status=status)
        return self.job(self.c.batch_update_members(BatchUpdateMembersRequest(body=body)).job_id)

    def remove(self, images, projects):
        body = BatchAddMembersRequestBody(images=images, projects=projects)
        return self.job(self.c.batch_delete_members(__import__("huaweicloudsdkims.v2", fromlist=["BatchDeleteMembersRequest"]).BatchDeleteMembersRequest(body=body)).job_id)

    def shared(self, status):
        r = self.c.list_images(ListImagesRequest(visibility="shared", member_status=status, imagetype="shared"))
        return [i.id for i in r.images]

    def members(self, image):
        return [m.member_id for m in self.c.list_image_members(ListImageMembersRequest(image_id=image)).members]

    def show(self, image):
        return self.c.glance_show_image(GlanceShowImageRequest(image_id=image))

    def delete(self, image):
        self.c.glance_delete_image(GlanceDeleteImageRequest(image_id=image, body=GlanceDeleteImageRequestBody(delete_backup=False)))

    def copy(self, image, region):
        body = CopyImageCrossRegionRequestBody(name="copy", region=region, project_name=region, agency_name="ims_admin_agency")
        return self.job(self.c.copy_image_cross_region(CopyImageCrossRegionRequest(image_id=image, body=body)).job_id)


def credentials(s, account, region="home"):
    a = s.account(account)
    return BasicCredentials(a["access_key_id"], a["access_key_secret"], projects(s)(account, region))


def config():
    cfg = HttpConfig.get_default_config()
    cfg.retry_times = 0
    return cfg


class Ecs:
    """huaweicloudsdkecs as a client uses it: every call that answers a job is followed by it."""

    def __init__(self, s, account):
        self.c = EcsClient.new_builder().with_http_config(config()).with_credentials(credentials(s, account)).with_endpoints([s.endpoint]).build()

    def job(self, job_id):
        return self.c.show_job(EcsShowJobRequest(job_id=job_id))

    def create(self, image):
        """CreatePostPaidServers (`/v1/`): the job."""
        server = PostPaidServer(image_ref=image, flavor_ref="s6.small.1", name="vm", vpcid="vpc-1",
                                nics=[PostPaidServerNic(subnet_id="subnet-1")], root_volume=PostPaidServerRootVolume(volumetype="SSD"), count=1)
        r = self.c.create_post_paid_servers(CreatePostPaidServersRequest(body=CreatePostPaidServersRequestBody(server=server)))
        return self.job(r.job_id)

    def create_v11(self, image):
        """CreateServers (`/v1.1/`): the job."""
        server = PrePaidServer(image_ref=image, flavor_ref="s6.small.1", name="vm", vpcid="vpc-1",
                               nics=[PrePaidServerNic(subnet_id="subnet-1")], root_volume=PrePaidServerRootVolume(volumetype="SSD"), count=1)
        r = self.c.create_servers(CreateServersRequest(body=CreateServersRequestBody(server=server)))
        return self.job(r.job_id)

    def reinstall(self, server):
        option = ReinstallServerWithCloudInitOption(adminpass="Sharesim@2026", mode="withStopServer")
        body = ReinstallServerWithCloudInitRequestBody(os_reinstall=option)
        return self.job(self.c.reinstall_server_with_cloud_init(ReinstallServerWithCloudInitRequest(server_id=server, body=body)).job_id)

    def change(self, server, image):
        option = ChangeServerOsWithCloudInitOption(adminpass="Sharesim@2026", imageid=image, mode="withStopServer")
        body = ChangeServerOsWithCloudInitRequestBody(os_change=option)
        return self.job(self.c.change_server_os_with_cloud_init(ChangeServerOsWithCloudInitRequest(server_id=server, body=body)).job_id)

    def show(self, server):
        return self.c.show_server(ShowServerRequest(server_id=server)).server

    def delete(self, server):
        body = DeleteServersRequestBody(servers=[ServerId(id=server)], delete_publicip=False, delete_volume=True)
        return self.job(self.c.delete_servers(DeleteServersRequest(body=body)).job_id)


class Kms:
    def __init__(self, s, account):
        self.c = KmsClient.new_builder().with_http_config(config()).with_credentials(credentials(s, account)).with_endpoints([s.endpoint]).build()

    def grant(self, key, domain):
        body = CreateGrantRequestBody(key_id=key, grantee_principal=domain, grantee_principal_type="domain",
                                      operations=["describe-key", "create-datakey", "decrypt-datakey"])
        return self.c.create_grant(CreateGrantRequest(body=body)).grant_id

    def grants(self, key):
        return self.c.list_grants(ListGrantsRequest(body=ListGrantsRequestBody(key_id=key, limit="10")))

    def revoke(self, key, grant_id):
        return self.c.cancel_grant(CancelGrantRequest(body=RevokeGrantRequestBody(key_id=key, grant_id=grant_id)))


def ok_job(job):
    return job is not None and job.status == "SUCCESS"


def failed_with(job, code):
    return job is not None and job.status == "FAIL" and job.error_code == code


def show_job(job):
    return job and (job.status, job.error_code, job.fail_reason)


def test_workflow(s):
    project = projects(s)
    owner, alice, bob = Ims(s, "owner"), Ims(s, "alice"), Ims(s, "bob")
    ecs_owner, ecs_alice, ecs_bob = Ecs(s, "owner"), Ecs(s, "alice"), Ecs(s, "bob")
    base = s.image("base")

    s.section("ECS and IMS: an image from a server, shared and used")
    job = s.run("owner creates a server from base (CreatePostPaidServers)", lambda: ecs_owner.create(base))
    s.check("the create job succeeds", ok_job(job), f"got {show_job(job)}")
    server = job.entities.server_id if ok_job(job) else None
    r = s.run("owner makes an image of it (IMS CreateImage)",
              lambda: owner.c.create_image(CreateImageRequest(body=CreateImageRequestBody(name="golden", instance_id=server))))
    job = s.run("owner polls the image job", lambda: owner.job(r.job_id)) if r else None
    golden = job.entities.image_id if ok_job(job) and job.entities else None
    s.check("the job names the new image", golden is not None, f"got {show_job(job)}")
    s.refused("alice makes an image of owner's server", lambda: alice.c.create_image(CreateImageRequest(body=CreateImageRequestBody(name="mine", instance_id=server))), "IMG.0005", code)
    job = s.run("owner shares golden with alice", lambda: owner.add([golden], [project("alice")]))
    s.check("the share job succeeds", ok_job(job), f"got {show_job(job)}")
    job = s.run("alice creates a server while the share is pending (CreateServers)", lambda: ecs_alice.create_v11(golden))
    s.check("its job fails with IMG.0046 (HI-ACCEPT)", failed_with(job, "IMG.0046"), f"got {show_job(job)}")
    s.run("alice accepts", lambda: alice.answer([golden], project("alice"), "accepted"))
    job = s.run("alice creates a server once accepted", lambda: ecs_alice.create(golden))
    s.check("the create job succeeds", ok_job(job), f"got {show_job(job)}")
    vm = job.entities.server_id if ok_job(job) else None
    job = s.run("bob, a stranger, creates a server from golden", lambda: ecs_bob.create(golden))
    s.check("its job fails with IMG.0027", failed_with(job, "IMG.0027"), f"got {show_job(job)}")

    s.section("ECS after the owner cancels")
    job = s.run("owner removes alice", lambda: owner.remove([golden], [project("alice")]))
    s.check("the removal job succeeds", ok_job(job), f"got {show_job(job)}")
    job = s.run("alice reinstalls her server's OS", lambda: ecs_alice.reinstall(vm))
    s.check("its job fails (HI-AFTER-UNSHARE)", job is not None and job.status == "FAIL", f"got {show_job(job)}")
    job = s.run("alice changes her server's OS to golden", lambda: ecs_alice.change(vm, golden))
    s.check("its job fails (HI-AFTER-UNSHARE)", job is not None and job.status == "FAIL", f"got {show_job(job)}")
    shown = s.run("alice shows her server", lambda: ecs_alice.show(vm))
    s.check("it is still there, built from golden", shown is not None and shown.id == vm and shown.image.id == golden, f"got {shown}")
    s.refused("bob shows alice's server", lambda: ecs_bob.show(vm), "Ecs.0114", code)
    quota = s.run("owner reads the image quota", lambda: owner.c.show_image_quota(ShowImageQuotaRequest()))
    s.check("the quota names images", quota is not None and quota.quotas.resources[0].type == "image", f"got {quota}")

    s.section("KMS: an encrypted image and its key grant")
    kms_owner, kms_alice = Kms(s, "owner"), Kms(s, "alice")
    encrypted = s.image("encrypted")
    info = s.run("owner shows the encrypted image", lambda: owner.show(encrypted))
    key = getattr(info, "system__cmkid", None)
    s.check("it names a KMS key ID", isinstance(key, str) and len(key) == 36, f"got {key}")
    job = s.run("owner shares it before any grant", lambda: owner.add([encrypted], [project("alice")]))
    s.check("the job fails with IMG.0099 (HI-ENCRYPTED-KEY)", failed_with(job, "IMG.0099"), f"got {show_job(job)}")
    domain = s.account("alice")["identities"]["domain_id"]
    grant_id = s.run("owner grants the key to alice's account (CreateGrant)", lambda: kms_owner.grant(key, domain))
    grants = s.run("owner lists the key's grants", lambda: kms_owner.grants(key))
    s.check("alice's account is the grantee", grants is not None and [g.grantee_principal for g in grants.grants] == [domain], f"got {grants}")
    job = s.run("owner shares it", lambda: owner.add([encrypted], [project("alice")]))
    s.check("the share job succeeds", ok_job(job), f"got {show_job(job)}")
    s.run("alice accepts", lambda: alice.answer([encrypted], project("alice"), "accepted"))
    job = s.run("alice creates a server from it", lambda: ecs_alice.create(encrypted))
    s.check("the create job succeeds", ok_job(job), f"got {show_job(job)}")
    s.refused("alice grants the owner's key", lambda: kms_alice.grant(key, s.account("bob")["identities"]["domain_id"]), "KMS.0205", code)
    s.run("owner revokes the grant (CancelGrant)", lambda: kms_owner.revoke(key, grant_id))
    job = s.run("alice creates a server after the revoke", lambda: ecs_alice.create(encrypted))
    s.check("its job fails with IMG.0099 (HI-KEY-REVOKE)", failed_with(job, "IMG.0099"), f"got {show_job(job)}")
    grants = s.run("owner lists the key's grants again", lambda: kms_owner.grants(key))
    s.check("no grantee is left", grants is not None and grants.total == 0, f"got {grants}")

    s.section("IMS: an image imported from an OBS file, shared")
    body = CreateImageRequestBody(name="imported", image_url="sharesim-images:imported.qcow2", min_disk=40,
                                  os_version="Ubuntu 22.04 server 64bit", type="ECS", is_quick_import=False)
    r = s.run("owner imports an image from OBS (CreateImage with image_url)",
              lambda: owner.c.create_image(CreateImageRequest(body=body)))
    job = s.run("owner polls the import job", lambda: owner.job(r.job_id)) if r else None
    imported = job.entities.image_id if ok_job(job) and job.entities else None
    s.check("the job names the imported image", imported is not None, f"got {show_job(job)}")
    info = s.run("owner shows it", lambda: owner.show(imported))
    s.check("it is owner's private image", info is not None and info.name == "imported" and info.visibility == "private", f"got {info}")
    bad = CreateImageRequestBody(name="bad", image_url="sharesim-images:imported.qcow2", min_disk=8)
    s.refused("an import below 40 GB", lambda: owner.c.create_image(CreateImageRequest(body=bad)), "IMG.0055", code)
    job = s.run("owner shares the imported image with alice", lambda: owner.add([imported], [project("alice")]))
    s.check("the share job succeeds", ok_job(job), f"got {show_job(job)}")
    s.run("alice accepts", lambda: alice.answer([imported], project("alice"), "accepted"))
    accepted = s.run("alice lists accepted shares", lambda: alice.shared("accepted"))
    s.check("the imported image is accepted", imported in (accepted or []), f"got {accepted}")

    s.section("ECS: delete")
    job = s.run("alice deletes her server", lambda: ecs_alice.delete(vm))
    s.check("the delete job succeeds", ok_job(job), f"got {show_job(job)}")
    s.refused("the deleted server is not found", lambda: ecs_alice.show(vm), "Ecs.0114", code)
    s.finish()


def test_share_limits_delete_copy(s):
    project = projects(s)
    AWAY = s.regions["away"]
    owner, alice = Ims(s, "owner"), Ims(s, "alice")
    base, spare = s.image("base"), s.image("spare")

    s.section("share, accept, use")
    job = s.run("owner adds alice's project to base", lambda: owner.add([base], [project("alice")]))
    s.check("the job succeeds", job is not None and job.status == "SUCCESS", f"got {job and job.status}")
    pending = s.run("alice lists pending shares", lambda: alice.shared("pending"))
    s.check("base is pending (HI-ACCEPT)", pending == [base], f"got {pending}")
    accepted = s.run("alice lists accepted shares", lambda: alice.shared("accepted"))
    s.check("nothing accepted yet", accepted == [], f"got {accepted}")
    job = s.run("alice accepts", lambda: alice.answer([base], project("alice"), "accepted"))
    s.check("the accept job succeeds", job is not None and job.status == "SUCCESS", f"got {job and job.status}")
    accepted = s.run("alice lists accepted shares", lambda: alice.shared("accepted"))
    s.check("base is accepted", accepted == [base], f"got {accepted}")
    members = s.run("owner lists base's members", lambda: owner.members(base))
    s.check("alice's project is the member", members == [project("alice")], f"got {members}")
    image = s.run("alice shows base", lambda: alice.show(base))
    s.check("alice sees it as shared", image is not None and image.visibility == "shared", f"got {image and image.visibility}")
    s.refused("alice re-shares base (HI-NO-RESHARE)", lambda: alice.add([base], [project("bob")]), "IMG.0047", code)

    s.section("limits and regions")
    crowd = [project(f"crowd{i}") for i in range(1, 102)]
    s.refused("101 projects in one request (HI-100-PER-REQUEST)", lambda: owner.add([spare], crowd), "IMG.0001", code)
    job = s.run("100 projects in one request", lambda: owner.add([spare], crowd[:100]))
    s.check("the 100-project job succeeds", job is not None and job.status == "SUCCESS", f"got {job and job.status}")
    job = s.run("a project of another region", lambda: owner.add([spare], [project("bob", "away")]))
    s.check("fails with IMG.0108 (HI-SAME-REGION)", job is not None and job.status == "FAIL" and job.error_code == "IMG.0108", f"got {job and (job.status, job.error_code)}")

    s.section("delete while shared, cancel, copy")
    job = s.run("owner removes alice", lambda: owner.remove([base], [project("alice")]))
    s.check("the removal job succeeds", job is not None and job.status == "SUCCESS", f"got {job and job.status}")
    gone = s.run("alice lists accepted after removal", lambda: alice.shared("accepted"))
    s.check("base is gone for alice (HI-AFTER-UNSHARE)", gone == [], f"got {gone}")
    s.run("owner deletes spare while shared with 100 projects (HI-DELETE-SHARED)", lambda: owner.delete(spare))
    s.refused("a former member cannot see it", lambda: Ims(s, "crowd1").show(spare), "IMG.0027", code)
    job = s.run("owner copies base to another region", lambda: owner.copy(base, AWAY))
    copy = None
    if job is not None and job.entities is not None:
        copy = getattr(job.entities, "image_id", None)
    s.check("the copy job names the new image", job is not None and job.status == "SUCCESS" and copy, f"got {job}")
    if copy:
        owner_away, alice_away = Ims(s, "owner", "away"), Ims(s, "alice", "away")
        job = s.run("owner shares the copy there", lambda: owner_away.add([copy], [project("alice", "away")]))
        s.check("the share job succeeds", job is not None and job.status == "SUCCESS", f"got {job and job.status}")
        there = s.run("alice lists pending there", lambda: alice_away.shared("pending"))
        s.check("alice sees the copy there", there == [copy], f"got {there}")
    s.finish()


def test_authentication(s):
    s.section("authentication")
    bad = Ims(s, "owner", secret="not-the-secret")
    s.refused("a wrong secret is refused", lambda: bad.shared("accepted"), "APIGW.0301", code)
    unknown = Ims(s, "owner", key_id="NOSUCHKEY00000000000")
    s.refused("an unknown key is refused", lambda: unknown.shared("accepted"), "APIGW.0301", code)
    s.finish()
