# SPDX-License-Identifier: Apache-2.0
"""The peer: the blog workload with SQLAlchemy's ORM on SQLite.

    /usr/bin/python3 bench/peer_sqlalchemy.py OP --db PATH --scale N

Runs one operation (save_all, get_join, get, cursor, delete_all) and prints
one JSON line in the shape of bench/report.h. Relationships load with
selectinload (one IN query per edge, as docrel's joins) and deletes cascade
through the ORM ("all, delete-orphan"). The data and the documents picked
mirror bench/workload.c (the standard workload: integer keys from 1, set by
the program as the C programs set them); "statements" counts the SQL
statements sent.
"""
import argparse
import json
import resource
import sys
import time

from sqlalchemy import Column, ForeignKey, Integer, String, Table, create_engine, event, select
from sqlalchemy.orm import Session, declarative_base, relationship, selectinload

POSTS_PER_AUTHOR, COMMENTS_PER_POST, TAGS_PER_POST, TAGS = 10, 3, 3, 50
GETS, DELETE_EVERY, CURSOR_BATCH = 10000, 10, 100

Base = declarative_base()
post_tag = Table("post_tag", Base.metadata,
                 Column("post_id", ForeignKey("post.id"), primary_key=True),
                 Column("tag_id", ForeignKey("tag.id"), primary_key=True, index=True))


class Author(Base):
    __tablename__ = "author"
    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False)
    posts = relationship("Post", back_populates="author", cascade="all, delete-orphan")


class Post(Base):
    __tablename__ = "post"
    id = Column(Integer, primary_key=True)
    title = Column(String, nullable=False)
    body = Column(String)
    author_id = Column(ForeignKey("author.id"), index=True)
    author = relationship("Author", back_populates="posts")
    comments = relationship("Comment", cascade="all, delete-orphan")
    tags = relationship("Tag", secondary=post_tag)


class Comment(Base):
    __tablename__ = "comment"
    id = Column(Integer, primary_key=True)
    body = Column(String)
    post_id = Column(ForeignKey("post.id"), index=True)


class Tag(Base):
    __tablename__ = "tag"
    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False)


def sizes(scale):
    authors = 1000 * scale
    posts = authors * POSTS_PER_AUTHOR
    return dict(authors=authors, posts=posts, comments=posts * COMMENTS_PER_POST, tags=TAGS,
                links=posts * TAGS_PER_POST, deleted=authors // DELETE_EVERY)


def tag_of(k, j):
    """The key of post k's j-th tag."""
    return (k * 7 + j * 13) % TAGS + 1


def get_authors(w, gets):
    return [i * 7919 % w["authors"] + 1 for i in range(gets)]


TREE = (selectinload(Author.posts).selectinload(Post.comments), selectinload(Author.posts).selectinload(Post.tags))


def count_tree(author):
    return 1 + sum(1 + len(p.comments) + len(p.tags) for p in author.posts)


def peak_rss_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def save_all(engine, w, r):
    t0 = time.perf_counter()
    tags = [Tag(id=t + 1, name="tag-%d" % t) for t in range(w["tags"])]
    authors = []
    for a in range(1, w["authors"] + 1):
        author = Author(id=a, name="author-%d" % a)
        for k in range((a - 1) * POSTS_PER_AUTHOR + 1, a * POSTS_PER_AUTHOR + 1):
            post = Post(id=k, title="post-%d" % k,
                        body="Body of post %d. Lorem ipsum dolor sit amet, consectetur adipiscing elit." % k,
                        comments=[Comment(id=(k - 1) * COMMENTS_PER_POST + c, body="comment %d on post %d" % (c, k))
                                  for c in range(1, COMMENTS_PER_POST + 1)],
                        tags=[tags[tag_of(k, j) - 1] for j in range(TAGS_PER_POST)])
            author.posts.append(post)
        authors.append(author)
    t1 = time.perf_counter()
    with Session(engine) as session:
        session.add_all(tags)
        session.add_all(authors)
        session.commit()
    r["build_seconds"] = t1 - t0
    r["docs"] = w["authors"] + w["posts"] + w["comments"] + w["tags"] + w["links"]


def get_join(engine, w, r):
    with Session(engine) as session:
        authors = session.execute(select(Author).options(*TREE)).scalars().all()
        r["docs"] = sum(count_tree(a) for a in authors)


def get(engine, w, r, gets):
    docs = 0
    for a in get_authors(w, gets):
        with Session(engine) as session:  # one session per read, as a request handler would
            docs += count_tree(session.get(Author, a, options=TREE))
    r["docs"] = docs
    r["ops"] = gets


def cursor(engine, w, r):
    docs = 0
    with Session(engine) as session:
        stmt = select(Post).options(selectinload(Post.author)).execution_options(yield_per=CURSOR_BATCH)
        for post in session.execute(stmt).scalars():
            docs += 1 + (post.author is not None)
    r["docs"] = docs


def delete_all(engine, w, r):
    chosen = [(i + 1) * DELETE_EVERY for i in range(w["deleted"])]
    with Session(engine) as session:
        authors = session.execute(select(Author).where(Author.id.in_(chosen)).options(*TREE)).scalars().all()
        docs = 0
        for a in authors:
            docs += 1 + sum(1 + len(p.comments) for p in a.posts)
            session.delete(a)
        session.commit()
    r["docs"] = docs


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("op", choices=["save_all", "get_join", "get", "cursor", "delete_all"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--gets", type=int, default=GETS)
    args = parser.parse_args()
    w = sizes(args.scale)
    engine = create_engine("sqlite:///" + args.db, future=True)

    @event.listens_for(engine, "connect")
    def pragmas(dbapi_connection, _record):  # docrel's settings for a file store
        dbapi_connection.execute("PRAGMA journal_mode=WAL")
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    statements = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def count(*_args):
        statements[0] += 1

    Base.metadata.create_all(engine)
    r = dict(impl="sqlalchemy", op=args.op, store="sqlite", scale=args.scale, seconds=0.0, build_seconds=0.0,
             docs=0, commands=-1, commands_expected=-1, base_rss_kb=peak_rss_kb(), peak_rss_kb=0,
             note="SQLAlchemy %s" % sys.modules["sqlalchemy"].__version__)
    statements[0] = 0
    cpu0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    if args.op == "get":
        get(engine, w, r, args.gets)
    else:
        globals()[args.op](engine, w, r)
    r["seconds"] = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    r["user_seconds"], r["sys_seconds"] = cpu1.ru_utime - cpu0.ru_utime, cpu1.ru_stime - cpu0.ru_stime
    r.setdefault("ops", 1)
    r["peak_rss_kb"] = peak_rss_kb()
    r["statements"] = statements[0]
    print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
