"""The keeping pages' words (retention, disposal, backups): key -> (中文, English)."""

TEXT: dict[str, tuple[str, str]] = {
    # /retention
    "keep.retention.title": ("保管期限", "Retention"),
    "keep.retention.intro": (
        "以下档案已到保管期限，需销毁、鉴定或移交。冻结（如审计、诉讼）可暂停处置，直至解除。",
        "These records have reached the end of their retention period: they are due for "
        "disposal, review or transfer. A hold (an audit, litigation) stops their disposal "
        "until it is released.",
    ),
    "keep.retention.as_of": ("截至日期", "As of"),
    "keep.retention.show": ("查看", "Show"),
    "keep.retention.today": ("今天", "today"),
    "keep.retention.due": ("到期档案", "Due"),
    "keep.retention.due_count": ("共 {n} 件", "{n} item(s)"),
    "keep.retention.none_due": ("截至该日没有到期档案。", "Nothing is due by that day."),
    "keep.retention.to_disposal": ("销毁清册 →", "Disposal lists →"),
    "keep.col.code": ("档号", "Archival code"),
    "keep.col.title": ("题名", "Title"),
    "keep.col.category": ("类目", "Category"),
    "keep.col.period": ("保管期限", "Retention"),
    "keep.col.due": ("到期日", "Due"),
    "keep.col.action": ("到期处置", "At the end"),
    "keep.col.holds": ("冻结", "Holds"),
    "keep.col.decide": ("操作", "Decide"),
    "keep.col.level": ("密级", "Level"),
    "keep.col.dept": ("部门", "Dept"),
    "keep.col.status": ("状态", "Status"),
    "keep.action.destroy": ("销毁", "destroy"),
    "keep.action.review": ("鉴定", "review"),
    "keep.action.transfer": ("移交", "transfer"),
    "keep.action.none": ("（类目已不在期限表中）", "(category no longer in the schedule)"),
    "keep.review.decided_dispose": ("已鉴定：可销毁", "reviewed: may be disposed of"),
    "keep.review.decided_extend": ("已鉴定：延长保管", "reviewed: kept longer"),
    "keep.hold.by": ("{who} 于 {when}", "by {who} on {when}"),
    "keep.hold.reason": ("冻结原因", "Reason for the hold"),
    "keep.hold.reason_hint": ("如：2025年度账目审计", "e.g. audit of the 2025 accounts"),
    "keep.hold.submit": ("冻结", "Hold"),
    "keep.hold.release": ("解除冻结", "Release"),
    "keep.hold.placed": ("已冻结", "The hold is in place"),
    "keep.hold.released": ("冻结已解除", "The holds are released"),
    "keep.holds.title": ("冻结中的档案", "Holds in force"),
    "keep.holds.intro": (
        "冻结中的档案不会列入销毁清册，无论是否到期。",
        "An item on hold is never put on a disposal list, due or not.",
    ),
    "keep.holds.none": ("没有冻结中的档案。", "No item is on hold."),
    "keep.review.years": ("延长年数", "Years longer"),
    "keep.review.extend": ("延长保管", "Keep longer"),
    "keep.review.dispose": ("鉴定为可销毁", "Let it be disposed of"),
    "keep.review.extended": ("已延长保管期限", "The item is kept longer"),
    "keep.review.disposable": (
        "已鉴定为可销毁，将列入下一份销毁清册",
        "Reviewed: it will be on the next disposal list",
    ),
    # /disposal
    "keep.disposal.title": ("销毁清册", "Disposal lists"),
    "keep.disposal.intro": (
        "销毁须经两人：档案员或管理员提出清册，另一名管理员输入本人密码批准，然后方可执行。永久保管和冻结中的档案不会列入。",
        "Disposal takes two people: an archivist or administrator proposes a list, another "
        "administrator approves it with their own password, and only then may it be "
        "executed. Permanent records and records on hold are never on a list.",
    ),
    "keep.disposal.propose": ("提出销毁清册", "Propose a disposal list"),
    "keep.disposal.propose_hint": (
        "列入截至该日到期、应销毁（或经鉴定可销毁）且未冻结的档案。",
        "It lists the items due by that day that end in destruction (or were reviewed "
        "for it) and are not on hold.",
    ),
    "keep.disposal.propose_submit": ("提出", "Propose"),
    "keep.disposal.proposed": (
        "清册已提出，待另一名管理员批准",
        "Proposed: another administrator must approve it",
    ),
    "keep.disposal.nothing_due": (
        "截至该日没有可销毁的档案",
        "Nothing is due for disposal by that day",
    ),
    "keep.disposal.none": ("还没有销毁清册。", "There are no disposal lists yet."),
    "keep.disposal.to_retention": ("← 保管期限", "← Retention"),
    "keep.col.list": ("清册", "List"),
    "keep.col.as_of": ("截至", "As of"),
    "keep.col.items": ("件数", "Items"),
    "keep.col.proposed": ("提出", "Proposed"),
    "keep.col.approved": ("批准", "Approved"),
    "keep.col.executed": ("执行", "Executed"),
    "keep.status.proposed": ("待批准", "proposed"),
    "keep.status.approved": ("已批准", "approved"),
    "keep.status.executing": ("执行中", "executing"),
    "keep.status.executed": ("已执行", "executed"),
    "keep.status.cancelled": ("已撤销", "cancelled"),
    "keep.list.title": ("销毁清册", "Disposal list"),
    "keep.list.heading": ("销毁清册 {id}", "Disposal list {id}"),
    "keep.list.state": ("状态：{status}", "State: {status}"),
    "keep.list.proposed_by": ("{who} 于 {when} 提出", "Proposed by {who} on {when}"),
    "keep.list.approved_by": ("{who} 于 {when} 批准", "Approved by {who} on {when}"),
    "keep.list.executed_by": ("{who} 于 {when} 执行", "Executed by {who} on {when}"),
    "keep.list.register": ("销毁登记表：{code}", "Destruction register: {code}"),
    "keep.list.items": ("清册中的档案（{n} 件）", "Items on the list ({n})"),
    "keep.list.hidden": (
        "另有 {n} 件档案超出您的查看权限，未列出。",
        "{n} more item(s) on the list are beyond what you may see and are not shown.",
    ),
    "keep.list.disposed": ("已销毁", "disposed"),
    "keep.list.own": (
        "此清册由您提出，须由另一名管理员批准。",
        "You proposed this list: another administrator must approve it.",
    ),
    "keep.list.back": ("← 全部清册", "← All lists"),
    "keep.approve.title": ("批准", "Approve"),
    "keep.approve.intro": (
        "批准人须为提出人以外的管理员，并再次输入本人密码。",
        "The approver must be an administrator other than the proposer, and types their "
        "own password again.",
    ),
    "keep.approve.password": ("您的密码", "Your password"),
    "keep.approve.submit": ("批准销毁", "Approve the disposal"),
    "keep.approve.wrong_password": (
        "密码错误，未批准。此次失败已记入审计日志。",
        "Wrong password: not approved. The failure is recorded in the audit trail.",
    ),
    "keep.approve.done": ("清册已批准，可以执行", "Approved: the list may now be executed"),
    "keep.cancel.title": ("撤销", "Withdraw"),
    "keep.cancel.submit": ("撤销此清册", "Withdraw this list"),
    "keep.cancel.done": (
        "清册已撤销，其中档案可重新列入",
        "Withdrawn: its items may be proposed again",
    ),
    "keep.execute.link": ("执行销毁…", "Execute the disposal…"),
    "keep.execute.title": ("执行销毁", "Execute the disposal"),
    "keep.execute.warning": (
        "执行后，以下 {n} 件档案的文件和密钥将被永久销毁"
        "（包括本档案系统做过的所有备份中的副本），"
        "只保留档号等销毁记录。此操作不可撤销。",
        "Executing destroys the files and keys of the {n} item(s) below for good, in every "
        "backup this archive has made too; only their records (archival code, dates) are "
        "kept. This cannot be undone.",
    ),
    "keep.execute.not_approved": (
        "此清册尚未批准，不能执行。",
        "This list is not approved: it cannot be executed.",
    ),
    "keep.execute.submit": ("确认销毁", "Destroy these records"),
    "keep.execute.done_title": ("销毁已执行", "Disposal executed"),
    "keep.execute.disposed": ("本次销毁 {n} 件。", "{n} item(s) disposed of now."),
    "keep.execute.shredded": ("已处理的备份", "Backups shredded"),
    "keep.execute.unreachable": (
        "无法访问的备份（请接入后再次执行本清册）",
        "Backups not reached (bring them back and execute the list again)",
    ),
    "keep.execute.index": (
        "检索索引已更新。",
        "The search index is updated.",
    ),
    "keep.execute.index_later": (
        "检索索引由监视进程稍后更新。",
        "The watcher updates the search index within seconds.",
    ),
    # /backups
    "keep.backups.title": ("备份", "Backups"),
    "keep.backups.intro": (
        "网页上的备份都存放在为本档案系统固定的备份目录中"
        "（config.yaml 的 backup_folder，默认为数据目录旁的“<数据目录>-backups”）。"
        "浏览器不能指定服务器上的其他路径。",
        "Backups made here all go into the folder fixed for this archive (the "
        "backup_folder setting of config.yaml; by default '<home>-backups' beside the data "
        "home). A browser cannot name any other place on the server.",
    ),
    "keep.backups.folder": ("备份目录：{path}", "Backup folder: {path}"),
    "keep.backups.make": ("进行备份", "Make a backup"),
    "keep.backups.name": ("备份名称", "Name"),
    "keep.backups.name_hint": (
        "字母、数字、“.”“_”“-”。同名的目录备份会增加一个快照，只复制新文件。",
        "Letters, digits, '.', '_', '-'. A folder backup of the same name gains a "
        "snapshot and copies only what is new.",
    ),
    "keep.backups.tar": ("写成单个 .tar 文件", "Write one .tar file"),
    "keep.backups.submit": ("开始备份", "Back up now"),
    "keep.backups.list": ("已有备份", "Backups on the shelf"),
    "keep.backups.none": ("备份目录中还没有备份。", "There are no backups in the folder yet."),
    "keep.col.name": ("名称", "Name"),
    "keep.col.kind": ("类型", "Kind"),
    "keep.col.snapshots": ("快照", "Snapshots"),
    "keep.col.modified": ("最后修改", "Last changed"),
    "keep.col.check": ("最近一次检查", "Last check"),
    "keep.backups.kind_tar": ("tar 文件", "tar file"),
    "keep.backups.kind_folder": ("目录", "folder"),
    "keep.backups.never": ("尚未检查", "never checked"),
    "keep.backups.good": ("完好（{when}，{who}）", "good ({when}, {who})"),
    "keep.backups.damaged": ("有问题（{when}，{who}）", "damaged ({when}, {who})"),
    "keep.backups.verify": ("检查", "Check"),
    "keep.backups.checked_ok": ("备份检查完毕：完好", "The backup was checked: it is good"),
    "keep.backups.checked_bad": (
        "备份检查发现问题，见下表",
        "The check found problems with the backup: see below",
    ),
    "keep.backups.restore": (
        "不能在网页上恢复备份：恢复会建立新的数据目录，"
        "须由管理员在服务器上执行 bureau --home 新目录 restore 备份。",
        "There is no restore from the web: a restore makes a new data home, which an "
        "administrator does at the server (bureau --home NEWHOME restore BACKUP).",
    ),
    "keep.backups.done_title": ("备份完成", "Backup made"),
    "keep.backups.done": (
        "快照 {snapshot} 已写入 {dest}：{items} 件档案，{files} 个文件，"
        "本次复制 {copied} 个、沿用 {reused} 个，用时 {seconds} 秒。",
        "Snapshot {snapshot} written to {dest}: {items} item(s), {files} file(s); "
        "{copied} copied now, {reused} already there; {seconds} s.",
    ),
    "keep.backups.back": ("← 备份", "← Backups"),
}
