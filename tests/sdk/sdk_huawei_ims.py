"""Huawei Cloud IMS: the official SDK (huaweicloudsdkims) against `sharesim serve`, unchanged.

Member operations are asynchronous jobs: every add, accept and delete is followed by its job
query, whose status reflects the engine's decision for each member.
"""

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

from common import Suite, guarded

s = Suite("huawei-ims")
AWAY = s.regions["away"]


def code(e):
    return e.error_code if isinstance(e, ClientRequestException) else None


def project(name, region="home"):
    return s.account(name)["identities"]["project_id"][region]


class Ims:
    def __init__(self, account, region="home", secret=None, key_id=None):
        a = s.account(account)
        cfg = HttpConfig.get_default_config()
        cfg.retry_times = 0
        cred = BasicCredentials(key_id or a["access_key_id"], secret or a["access_key_secret"], project(account, region))
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


def main():
    s.reset()
    owner, alice = Ims("owner"), Ims("alice")
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
    s.refused("a former member cannot see it", lambda: Ims("crowd1").show(spare), "IMG.0027", code)
    job = s.run("owner copies base to another region", lambda: owner.copy(base, AWAY))
    copy = None
    if job is not None and job.entities is not None:
        copy = getattr(job.entities, "image_id", None)
    s.check("the copy job names the new image", job is not None and job.status == "SUCCESS" and copy, f"got {job}")
    if copy:
        owner_away, alice_away = Ims("owner", "away"), Ims("alice", "away")
        job = s.run("owner shares the copy there", lambda: owner_away.add([copy], [project("alice", "away")]))
        s.check("the share job succeeds", job is not None and job.status == "SUCCESS", f"got {job and job.status}")
        there = s.run("alice lists pending there", lambda: alice_away.shared("pending"))
        s.check("alice sees the copy there", there == [copy], f"got {there}")

    s.section("authentication")
    bad = Ims("owner", secret="not-the-secret")
    s.refused("a wrong secret is refused", lambda: bad.shared("accepted"), "APIGW.0301", code)
    unknown = Ims("owner", key_id="NOSUCHKEY00000000000")
    s.refused("an unknown key is refused", lambda: unknown.shared("accepted"), "APIGW.0301", code)
    s.finish()


guarded(main)
