"""The auditor's pages' words: key -> (中文, English)."""

TEXT: dict[str, tuple[str, str]] = {
    # /verify
    "verify.title": ("验证电子签章", "Verify seals"),
    "verify.intro": (
        "上传一个或多个 PDF 文件，查看其电子签章（数字签名）是否有效、由谁加盖、"
        "盖章后文件是否被改动。"
        "文件仅用于本次验证，验证后即删除。",
        "Upload one or more PDF files to see whether their seals (digital signatures) are "
        "valid, who applied them and whether the file changed after sealing. The files are "
        "used for this check only and deleted straight after.",
    ),
    "verify.files": ("PDF 文件", "PDF files"),
    "verify.limits": (
        "一次最多 20 个文件，合计不超过 20 MB。",
        "Up to 20 files at once, 20 MB in all.",
    ),
    "verify.submit": ("验证", "Verify"),
    "verify.submit_json": ("验证并下载 JSON 报告", "Verify and download the JSON report"),
    "verify.as_of": ("按过去某一时刻验证（可选）", "Validate as of a past moment (optional)"),
    "verify.at": ("验证时刻", "As of"),
    "verify.at_hint": (
        "留空则按当前时刻验证。时间按本系统所在时区理解。",
        "Leave it empty to validate as of now. The time is read in the archive's time zone.",
    ),
    "verify.bad_moment": (
        "验证时刻的格式应为 YYYY-MM-DDTHH:MM。",
        "A moment is written YYYY-MM-DDTHH:MM.",
    ),
    "verify.validated_at": ("按 {at} 时的情况验证", "Validated as of {at}"),
    "verify.running": ("正在验证，请稍候……", "Verifying: please wait…"),
    "verify.no_files": ("请选择要验证的 PDF 文件。", "Choose the PDF files to verify."),
    "verify.results": ("验证结果：{count} 个文件", "Results: {count} file(s)"),
    "verify.tally_ok": ("{count} 个通过", "{count} passed"),
    "verify.tally_warn": ("{count} 个无法确定或未签章", "{count} indeterminate or unsigned"),
    "verify.tally_bad": ("{count} 个未通过", "{count} failed"),
    "verify.ind.TOTAL_PASSED": ("验证通过", "Passed"),
    "verify.ind.TOTAL_FAILED": ("验证未通过", "Failed"),
    "verify.ind.INDETERMINATE": ("无法确定", "Indeterminate"),
    "verify.ind.NO_SIGNATURE_FOUND": ("未发现签章", "No seal found"),
    "verify.sub.FORMAT_FAILURE": (
        "该文件无法作为 PDF 读取（不是 PDF，或已损坏）。",
        "The file cannot be read as a PDF (it is not one, or it is damaged).",
    ),
    "verify.sub.HASH_FAILURE": (
        "盖章后文件内容被改动：签章所保护的字节已不一致。",
        "The file was changed after sealing: the bytes the seal protects no longer match.",
    ),
    "verify.sub.SIG_CRYPTO_FAILURE": (
        "签名本身无效（密码学校验失败）。",
        "The signature itself is invalid (its cryptographic check failed).",
    ),
    "verify.sub.REVOKED": (
        "签章证书在盖章前已被吊销。",
        "The seal's certificate had been revoked before the seal was applied.",
    ),
    "verify.sub.DISALLOWED_MODIFICATION": (
        "盖章后文件被以签章不允许的方式修改。",
        "The file was changed after sealing in a way the seal does not allow.",
    ),
    "verify.sub.NO_CERTIFICATE_CHAIN_FOUND": (
        "签章证书不能追溯到受信任的根证书（非本局或未知机构签发）。",
        "The seal's certificate does not lead to a trusted root (not issued by the bureau "
        "or by an authority we know).",
    ),
    "verify.sub.OUT_OF_BOUNDS_NO_POE": (
        "签章时间不在证书有效期内，且无可信时间戳证明。",
        "The seal was applied outside its certificate's validity and no trusted timestamp "
        "proves otherwise.",
    ),
    "verify.sub.CERTIFICATE_CHAIN_GENERAL_FAILURE": (
        "证书链无法验证（例如在验证时刻证书尚未签发或已失效）。",
        "The certificate chain cannot be validated (at that moment the certificate may not "
        "have been issued yet, or was no longer valid).",
    ),
    "verify.sub.CHAIN_CONSTRAINTS_FAILURE": (
        "证书链不满足约束条件（如用途、有效期）。",
        "The certificate chain breaks a constraint (its use or validity).",
    ),
    "verify.sub.CRYPTO_CONSTRAINTS_FAILURE": (
        "所用算法或密钥强度不再被接受。",
        "The algorithm or key strength used is no longer accepted.",
    ),
    "verify.sub.TRY_LATER": (
        "暂时无法获得吊销信息，请稍后再试。",
        "Revocation information is not available now: try again later.",
    ),
    "verify.sub.REVOKED_NO_POE": (
        "签章证书已被吊销，且无法证明盖章早于吊销。",
        "The seal's certificate is revoked and nothing proves the seal came before that.",
    ),
    "verify.sub.EXPIRED": ("签章证书已过期。", "The seal's certificate has expired."),
    "verify.sub.NOT_YET_VALID": ("签章证书尚未生效。", "The seal's certificate is not yet valid."),
    "verify.unreadable": ("无法读取：", "Cannot be read:"),
    "verify.active_content": (
        "警告：文件含有活动内容（脚本、启动操作或嵌入文件），这些内容不在签章保证范围内：",
        "Warning: the file holds active content (scripts, launch actions or embedded files), "
        "which the seal does not vouch for:",
    ),
    "verify.no_signatures": ("该文件没有签章。", "The file carries no seal."),
    "verify.signature": ("签章 {number}", "Seal {number}"),
    "verify.signer": ("签章单位", "Signer"),
    "verify.dept": ("部门", "Department"),
    "verify.serial": ("证书序列号", "Certificate serial"),
    "verify.signing_time": ("签章时间", "Signing time"),
    "verify.claimed": ("（签章方声明）", "(claimed by the signer)"),
    "verify.not_stated": ("未注明", "not stated"),
    "verify.timestamp": ("可信时间戳", "Timestamp"),
    "verify.none": ("无", "none"),
    "verify.result": ("结论", "Result"),
    "verify.intact": ("内容", "Content"),
    "verify.intact_yes": ("盖章后未改动", "unchanged since sealing"),
    "verify.intact_no": ("盖章后已改动", "CHANGED since sealing"),
    "verify.valid": ("签名值", "Signature value"),
    "verify.valid_yes": (
        "数学上有效（签名本身未被伪造；内容是否改动见上一行）",
        "mathematically valid (the signature itself is genuine; whether the content changed "
        "is the line above)",
    ),
    "verify.valid_no": ("无效", "INVALID"),
    "verify.trusted": ("信任", "Trust"),
    "verify.trusted_yes": ("证书受信任", "the certificate is trusted"),
    "verify.trusted_no": ("证书不受信任", "the certificate is NOT trusted"),
    "verify.revocation": ("吊销检查", "Revocation"),
    "verify.coverage": ("签章覆盖范围", "Covers"),
    "verify.modifications": ("盖章后的修改", "Changes after sealing"),
    "verify.changes_after": ("盖章后新增的版本", "Revisions added after sealing"),
    "verify.revision": ("版本", "Revision"),
    "verify.no_changes": ("无", "none"),
    "verify.notes": ("说明", "Notes"),
    "verify.unknown": ("未知", "unknown"),
    # /integrity
    "integrity.title": ("档案完整性检查", "Archive integrity check"),
    "integrity.intro": (
        "逐一核对库中每个文件、每条目录记录、审计日志的哈希链与认证码，以及每份已签章文件的签章。",
        "Checks every stored file, every catalog row, the audit trail's hash chain and "
        "its authentication, and the seal of every sealed document.",
    ),
    "integrity.run": ("开始检查", "Run the check"),
    "integrity.run_again": ("重新检查", "Run it again"),
    "integrity.slow": (
        "档案较多时需要一些时间，请耐心等待。",
        "With many documents this takes a while.",
    ),
    "integrity.running": ("正在检查，请稍候……", "Checking: please wait…"),
    "integrity.ok": ("检查通过：未发现问题", "OK: no problems found"),
    "integrity.failed": ("检查未通过：发现 {count} 个问题", "FAILED: {count} problem(s) found"),
    "integrity.items": ("已检查的文件数", "Documents checked"),
    "integrity.cleaned": (
        "清理的中断归档残留文件",
        "Leftovers of interrupted filings removed",
    ),
    "integrity.authenticated": ("审计日志认证", "Audit trail authentication"),
    "integrity.auth_yes": ("已核验，完好", "checked: intact"),
    "integrity.auth_no": ("核验失败", "FAILED"),
    "integrity.auth_unchecked": ("未核验（缺少口令）", "not checked (no passphrase)"),
    "integrity.head": ("审计日志末条", "Audit trail head"),
    "integrity.head_entry": ("第 {seq} 条", "entry {seq}"),
    "integrity.head_note": (
        "请另行记下此条目编号与哈希值：日后若日志被回退，可据此发现。",
        "Note this entry and hash down elsewhere: it shows a later rollback of the trail.",
    ),
    "integrity.problems": ("发现的问题", "Problems found"),
    "integrity.kind": ("类型", "Kind"),
    "integrity.where": ("档案", "Document"),
    "integrity.detail": ("说明", "Detail"),
    # /audit
    "audit.title": ("审计日志", "Audit trail"),
    "audit.actor": ("操作人", "Actor"),
    "audit.action": ("操作", "Action"),
    "audit.any": ("全部", "any"),
    "audit.item": ("档案", "Item"),
    "audit.item_hint": ("编号、档号或文号", "id, archival code or document number"),
    "audit.since": ("起始日期", "From"),
    "audit.until": ("截止日期", "To"),
    "audit.filter": ("筛选", "Filter"),
    "audit.clear": ("清除筛选", "Clear the filters"),
    "audit.count": (
        "共 {total} 条，第 {page}/{pages} 页，最新的在前",
        "{total} entries, page {page} of {pages}, newest first",
    ),
    "audit.zone": ("时区：{tz}", "Times in {tz}"),
    "audit.when": ("时间", "Time"),
    "audit.detail": ("详情", "Detail"),
    "audit.nothing": ("没有符合条件的记录。", "No entries match."),
    "audit.pages": ("分页", "Pages"),
    "audit.page": ("第 {page}/{pages} 页", "Page {page} of {pages}"),
    "audit.bad_date": (
        "日期格式应为 YYYY-MM-DD。",
        "A date is written YYYY-MM-DD.",
    ),
    "audit.bad_page": ("页码应为正整数。", "A page number is a whole number from 1."),
}
