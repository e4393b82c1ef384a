# SPDX-License-Identifier: Apache-2.0
"""The peer: the blog workload with SQLAlchemy's ORM on SQLite.

    /usr/bin/python3 bench/peer_sqlalchemy.py OP --db PATH --scale N

Runs one operation (save_all, get_join, get, cursor, delete_all) and prints
one JSON line in the shape of bench/report.h. Relationships load with
selectinload (one IN query per edge, as docrel's joins) and deletes cascade
through the ORM ("all, delete-orphan"). The data and the documents picked
mirror bench/workload.c; "commands" counts the SQL statements sent.
"""
import argparse
import json
import resource
import sys
import time

from sqlalchemy import Column, ForeignKey, Integer, String, Table, create_engine, event, select
from sqlalchemy.orm import Session, declarative_base, relationship, selectinload

POSTS_PER_AUTHOR, COMMENTS_PER_POST, TAGS_PER_POST = 10, 3, 3
GETS, DELETED_AUTHORS, CURSOR_BATCH, SEED = 10000, 100, 100, 42
LOREM = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore "
         "magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo "
         "consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla.")
POST_BODY, COMMENT_BODY = LOREM[:280], LOREM[:120]

Base = declarative_base()
post_tag = Table("post_tag", Base.metadata,
                 Column("post_id", ForeignKey("post.id"), primary_key=True),
                 Column("tag_id", ForeignKey("tag.id"), primary_key=True, index=True))


class Author(Base):
    __tablename__ = "author"
    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False)
    email = Column(String, nullable=False)
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
    return dict(authors=authors, posts=posts, comments=posts * COMMENTS_PER_POST, tags=50 * scale,
                links=posts * TAGS_PER_POST)


def post_tag_index(w, p, k):
    t0 = p % w["tags"]
    return [t0, (t0 + 1 + p % 7) % w["tags"], (t0 + 9 + p % 13) % w["tags"]][k]


def random_authors(w):
    state = SEED
    for _ in range(GETS):
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        yield state % w["authors"]


TREE = (selectinload(Author.posts).selectinload(Post.comments), selectinload(Author.posts).selectinload(Post.tags))


def count_tree(author):
    return 1 + sum(1 + len(p.comments) + len(p.tags) for p in author.posts)


def peak_rss_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def save_all(engine, w, r):
    t0 = time.perf_counter()
    tags = [Tag(name="tag-%d" % t) for t in range(w["tags"])]
    authors = []
    for a in range(w["authors"]):
        author = Author(name="Author %d" % a, email="author%d@example.org" % a)
        for j in range(POSTS_PER_AUTHOR):
            p = a * POSTS_PER_AUTHOR + j
            post = Post(title="Post %d" % p, body=POST_BODY,
                        comments=[Comment(body=COMMENT_BODY) for _ in range(COMMENTS_PER_POST)],
                        tags=[tags[post_tag_index(w, p, k)] for k in range(TAGS_PER_POST)])
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


def author_ids(engine):
    with Session(engine) as session:
        return session.execute(select(Author.id).order_by(Author.id)).scalars().all()


def get(engine, w, r, ids):
    docs = 0
    for i in random_authors(w):
        with Session(engine) as session:  # one session per read, as a request handler would
            docs += count_tree(session.get(Author, ids[i], options=TREE))
    r["docs"] = docs


def cursor(engine, w, r):
    docs = 0
    with Session(engine) as session:
        stmt = select(Post).options(selectinload(Post.author)).execution_options(yield_per=CURSOR_BATCH)
        for post in session.execute(stmt).scalars():
            docs += 1 + (post.author is not None)
    r["docs"] = docs


def delete_all(engine, w, r, ids):
    step = w["authors"] // DELETED_AUTHORS
    chosen = [ids[i * step] for i in range(DELETED_AUTHORS)]
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
    ids = author_ids(engine) if args.op in ("get", "delete_all") else None
    r = dict(impl="sqlalchemy", op=args.op, store="sqlite", scale=args.scale, seconds=0.0, build_seconds=0.0,
             docs=0, commands=-1, commands_expected=-1, base_rss_kb=peak_rss_kb(), peak_rss_kb=0,
             note="SQLAlchemy %s" % sys.modules["sqlalchemy"].__version__)
    statements[0] = 0
    t0 = time.perf_counter()
    if ids is None:
        globals()[args.op](engine, w, r)
    else:
        globals()[args.op](engine, w, r, ids)
    r["seconds"] = time.perf_counter() - t0
    r["peak_rss_kb"] = peak_rss_kb()
    r["commands"] = statements[0]
    print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
